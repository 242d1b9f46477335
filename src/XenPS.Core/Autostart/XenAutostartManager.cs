using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;
using XenPS.Core.Hosts;

namespace XenPS.Core.Autostart;

/// <summary>
/// Guest autostart on a Dom0: an rc.d script (xendomains, installed by XenPS) starts the configs linked in
/// &lt;config dir&gt;/auto at boot after xencommons, in name order, and stops them in reverse order at shutdown.
/// A link is named NN-name.cfg (NN = order) and points at ../name.cfg.
/// </summary>
public sealed class XenAutostartManager
{
    public const string RcScriptPath = "/usr/local/etc/rc.d/xendomains";
    public const string RcConfPath = "/etc/rc.conf";
    private static readonly Regex LinkName = new(@"^(?<order>\d{2,})-(?<name>.+)\.cfg$", RegexOptions.CultureInvariant);

    private readonly IXenHost _host;
    private readonly IXenOutput _output;
    private readonly HostFileSystem _fs;

    public XenAutostartManager(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
        _fs = new HostFileSystem(host, output);
    }

    /// <summary>The rc.d script XenPS installs.</summary>
    public static string RcScript
    {
        get
        {
            using var stream = typeof(XenAutostartManager).Assembly.GetManifestResourceStream("XenPS.Core.Autostart.xendomains.rc")
                ?? throw new InvalidOperationException("The xendomains rc.d script is missing from XenPS.Core.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    public async Task<string> GetAutoDirectoryAsync(CancellationToken ct) =>
        (await XenPaths.GetConfigDirectoryAsync(_host, ct).ConfigureAwait(false)) + "/auto";

    /// <summary>The guests linked in the autostart directory, in start order.</summary>
    public async Task<IReadOnlyList<XenDomainAutostart>> ListAsync(CancellationToken ct)
    {
        var dir = await GetAutoDirectoryAsync(ct).ConfigureAwait(false);
        var result = await _host.RunScriptAsync(ListScript(dir), new HostRunOptions(), ct).ConfigureAwait(false);
        var list = new List<XenDomainAutostart>();
        // NUL-separated pairs (link, target): a name or a target may hold a tab or a newline.
        var fields = result.StandardOutput.Split('\0');
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var link = fields[i];
            var file = link.Substring(link.LastIndexOf('/') + 1);
            var m = LinkName.Match(file);
            var target = fields[i + 1];
            if (!target.StartsWith("/", StringComparison.Ordinal)) target = NormalizeRelative(dir, target);
            list.Add(new XenDomainAutostart
            {
                ComputerName = _host.ComputerName,
                Name = m.Success ? m.Groups["name"].Value : file.Substring(0, file.Length - 4),
                Order = m.Success ? int.Parse(m.Groups["order"].Value, CultureInfo.InvariantCulture) : 0,
                ConfigPath = target,
                LinkPath = link,
                Enabled = true,
            });
        }
        return list.OrderBy(a => a.LinkPath.Substring(a.LinkPath.LastIndexOf('/') + 1), StringComparer.Ordinal).ToList();
    }

    /// <summary>What Enable would change, for -WhatIf: a description per step (empty when nothing is to do).</summary>
    public async Task<AutostartPlan> PlanEnableAsync(string name, int order, CancellationToken ct)
    {
        XenDomainName.Validate(name);
        if (order is < 0 or > 99) throw new ArgumentOutOfRangeException(nameof(order), order, "The order is 0 to 99.");
        var configDir = await XenPaths.GetConfigDirectoryAsync(_host, ct).ConfigureAwait(false);
        var configPath = configDir + "/" + name + ".cfg";
        if (!await _fs.ExistsAsync(configPath, ct).ConfigureAwait(false))
        {
            throw new XenException("XenConfigNotFound", XenErrorKind.ObjectNotFound,
                $"There is no configuration file {configPath} on host '{_host.ComputerName}' to start at boot (New-XenDomU -NoStart writes one).") { ComputerName = _host.ComputerName };
        }
        var plan = new AutostartPlan(name, order, configPath, configDir + "/auto/" + order.ToString("00", CultureInfo.InvariantCulture) + "-" + name + ".cfg");

        var installed = await _fs.ReadFileAsync(RcScriptPath, ct).ConfigureAwait(false);
        if (installed != RcScript) plan.Steps.Add($"{(installed is null ? "Install" : "Update")} the rc.d script {RcScriptPath} (starts the linked guests after xencommons, stops them in parallel at shutdown)");
        plan.InstallScript = installed != RcScript;
        plan.RcScriptRead = FileExpectation.Of(installed);

        var rcConfRead = await _fs.ReadFileAsync(RcConfPath, ct).ConfigureAwait(false);
        plan.RcConfRead = FileExpectation.Of(rcConfRead);
        var rcConf = rcConfRead ?? string.Empty;
        var edited = ShellConfigEditor.RcConf.Set(rcConf, "xendomains_enable", "YES");
        if (configDir != XenPaths.FreeBsdConfigDirectory) edited = ShellConfigEditor.RcConf.Set(edited.Text, "xendomains_dir", configDir + "/auto");
        if (edited.Text != rcConf)
        {
            plan.NewRcConf = edited.Text;
            plan.RcConfDiff = TextDiff.Unified(RcConfPath, rcConf, edited.Text);
            plan.Steps.Add($"Set xendomains_enable=\"YES\" in {RcConfPath}");
        }

        var existing = (await ListAsync(ct).ConfigureAwait(false)).Where(a => a.Name == name).ToList();
        plan.StaleLinks.AddRange(existing.Where(a => a.LinkPath != plan.LinkPath).Select(a => a.LinkPath));
        if (!existing.Any(a => a.LinkPath == plan.LinkPath)) plan.Steps.Add($"Link {plan.LinkPath} -> ../{name}.cfg");
        foreach (var stale in plan.StaleLinks) plan.Steps.Add($"Remove the old link {stale}");
        return plan;
    }

    public async Task<XenDomainAutostart> EnableAsync(AutostartPlan plan, CancellationToken ct)
    {
        if (plan.InstallScript)
        {
            await _fs.EnsureDirectoryAsync("/usr/local/etc/rc.d", null, ct).ConfigureAwait(false);
            // No backup here: /etc/rc warns about scratch files (*.bak) in rc.d directories, and the script is ours.
            await _fs.WriteFileAtomicAsync(new FileWrite(RcScriptPath, RcScript, "0555") { Expected = plan.RcScriptRead }, backup: false, ct).ConfigureAwait(false);
        }
        // Compare-and-swap: rc.conf is only replaced if it is still what the plan was computed from.
        if (plan.NewRcConf is not null)
            await _fs.WriteFileAtomicAsync(new FileWrite(RcConfPath, plan.NewRcConf) { Expected = plan.RcConfRead }, backup: true, ct).ConfigureAwait(false);

        var auto = plan.LinkPath.Substring(0, plan.LinkPath.LastIndexOf('/'));
        await _fs.EnsureDirectoryAsync(auto, "0755", ct).ConfigureAwait(false);
        var result = await _host.RunScriptAsync(LinkScript(plan), new HostRunOptions { OnCommandLine = l => _output.WriteVerbose("Running: " + l) }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new XenException("XenAutostartFailed", XenErrorKind.WriteError, $"Could not link {plan.LinkPath} on '{_host.ComputerName}': {result.StandardError.Trim()}") { ComputerName = _host.ComputerName };
        return new XenDomainAutostart { ComputerName = _host.ComputerName, Name = plan.Name, Order = plan.Order, ConfigPath = plan.ConfigPath, LinkPath = plan.LinkPath, Enabled = true };
    }

    /// <summary>Removes every autostart link of a guest; returns the links removed.</summary>
    public async Task<IReadOnlyList<XenDomainAutostart>> DisableAsync(string name, bool whatIf, CancellationToken ct)
    {
        var links = (await ListAsync(ct).ConfigureAwait(false)).Where(a => a.Name == name).ToList();
        if (whatIf || links.Count == 0) return links;
        foreach (var link in links) await _fs.DeleteFileAsync(link.LinkPath, ct).ConfigureAwait(false);
        foreach (var link in links) link.Enabled = false;
        return links;
    }

    /// <summary>Prints "link NUL target NUL" for every *.cfg of the autostart directory (the target as the link holds
    /// it, exactly: readlink's newline is cut, not every trailing newline; the link itself when it is no link).</summary>
    internal static ShellScript ListScript(string dir) =>
        ShellScript.Of($"[ -d {dir} ] || exit 0")
            .Line($"for f in {dir}/*.cfg; do [ -e \"$f\" ] || [ -L \"$f\" ] || continue; t=$(readlink -- \"$f\" && printf x) && [ -n \"$t\" ] && t=${{t%?x}} || t=$f; printf '%s\\0%s\\0' \"$f\" \"$t\"; done")
            .Line($"exit 0");

    /// <summary>Removes the stale links and makes the new one.</summary>
    internal static ShellScript LinkScript(AutostartPlan plan)
    {
        var script = new ShellScript();
        foreach (var stale in plan.StaleLinks) script.Line($"rm -f -- {stale}");
        return script.Line($"ln -sfn -- {"../" + plan.Name + ".cfg"} {plan.LinkPath}");
    }

    private static string NormalizeRelative(string dir, string relative)
    {
        var parts = new List<string>(dir.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries));
        foreach (var part in relative.Split('/'))
        {
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
            else if (part.Length > 0 && part != ".") parts.Add(part);
        }
        return "/" + string.Join("/", parts);
    }
}

/// <summary>What Enable-XenDomainAutostart will do on a host.</summary>
public sealed class AutostartPlan
{
    public AutostartPlan(string name, int order, string configPath, string linkPath)
    {
        Name = name;
        Order = order;
        ConfigPath = configPath;
        LinkPath = linkPath;
    }

    public string Name { get; }
    public int Order { get; }
    public string ConfigPath { get; }
    public string LinkPath { get; }
    public bool InstallScript { get; set; }
    public string? NewRcConf { get; set; }
    public string? RcConfDiff { get; set; }

    /// <summary>What /etc/rc.conf held when the plan was made (the write refuses if it changed since).</summary>
    public FileExpectation? RcConfRead { get; set; }

    /// <summary>What the installed rc.d script held when the plan was made (absent when not installed).</summary>
    public FileExpectation? RcScriptRead { get; set; }
    public List<string> StaleLinks { get; } = new();
    public List<string> Steps { get; } = new();
}
