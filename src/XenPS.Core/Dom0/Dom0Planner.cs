using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Core.Dom0;

/// <summary>
/// Builds a <see cref="Dom0Plan"/>: checks the target (the host, or the system mounted at -Root), finds the FreeBSD and
/// Xen versions, resolves every path inside the root and reads the files each setting's FreeBSD reader reads
/// (<see cref="Dom0Target"/>, <see cref="Dom0Files"/>: locally or over SSH), and computes their new texts with
/// <see cref="Dom0Editor"/>. Reads only; every check that can refuse the preparation runs here, before
/// anything is changed.
/// </summary>
public sealed class Dom0Planner
{
    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public Dom0Planner(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>Plans the preparation. With <paramref name="audit"/> (Test-XenDom0) an unknown Xen version, missing
    /// packages or a missing /boot/xen are not errors: they become failed checks.</summary>
    public async Task<Dom0Plan> PlanAsync(Dom0DesiredState state, bool audit, CancellationToken ct)
    {
        if (state is null) throw new ArgumentNullException(nameof(state));
        await CheckTargetAsync(state, ct).ConfigureAwait(false);

        // Every path is resolved inside the root (XenRootPathEscapes otherwise) before anything is read.
        var target = new Dom0Target(_host, state, _output);
        var files = await Dom0Files.LoadAsync(target, state.BootMenu, ct).ConfigureAwait(false);
        foreach (var note in files.Notes) _output.WriteVerbose($"{Target(state)}: {note}");
        foreach (var chain in files.Chains)
            _output.WriteVerbose($"{Target(state)}: {chain.Reader} reads {string.Join(", ", chain.Sources.Select(x => x.Path + (x.UnorderedGroup is null ? string.Empty : " (directory order)")))}.");

        var facts = await new Dom0Probe(_host, _output).GatherAsync(target, requireXenVersion: !audit, askRunningXen: audit, ct).ConfigureAwait(false);
        _output.WriteVerbose($"{Target(state)}: FreeBSD {facts.FreeBsdVersion ?? "(release unknown: assuming 13 or later)"}, {facts.DescribeXen()}.");

        foreach (var required in new[] { Dom0Editor.LoginConfPath, Dom0Editor.TtysPath })
        {
            if (files.Text(required) is null)
            {
                throw new XenException("XenNotFreeBsdSystem", XenErrorKind.ObjectNotFound,
                    $"{target.HostPathOf(required)} does not exist on host '{_host.ComputerName}': {(state.HasRoot ? state.Root : "the host")} does not look like a FreeBSD system. Nothing was changed.")
                { ComputerName = _host.ComputerName };
            }
        }

        var edit = Dom0Editor.Edit(state, facts, files);
        var plan = new Dom0Plan(_host.ComputerName, state, facts, target, files);
        plan.Warnings.AddRange(files.Warnings);
        plan.Warnings.AddRange(edit.Warnings);
        foreach (var path in edit.Order) plan.Files.Add(new Dom0FilePlan(path, target.HostPathOf(path), files.Text(path), edit.Texts[path]));
        // Two names of one file (a link between two of the files read) cannot be written as two files.
        foreach (var same in plan.ChangedFiles.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new XenException("XenDom0UnsafeChange", XenErrorKind.InvalidOperation,
                $"{string.Join(" and ", same.Select(f => state.PathOf(f.SystemPath)))} are the same file ({same.Key}) on host '{_host.ComputerName}', and both would change. Nothing was changed; edit it by hand.")
            { ComputerName = _host.ComputerName };
        }

        if (state.InstallPackages)
        {
            if (facts.PackageProblem is not null && !audit)
                throw new XenException("XenPackagesUnavailable", XenErrorKind.NotInstalled, $"-InstallPackages: {facts.PackageProblem}. Nothing was changed.") { ComputerName = _host.ComputerName };
            foreach (var name in Dom0Probe.XenPackages)
            {
                var installed = facts.Packages.TryGetValue(name, out var v) ? v : null;
                if (installed is null) plan.PackagesToInstall.Add(name);
                var after = installed ?? (facts.RepositoryPackages.TryGetValue(name, out var r) ? r : "(from the repository)");
                plan.Settings.Add(new Dom0Setting("pkg", name, installed, after, installed is null,
                    installed is null ? $"pkg {(state.HasRoot ? "-r " + state.Root + " " : string.Empty)}install -y {name}" : null));
            }
        }
        plan.Settings.AddRange(edit.Settings);

        var logExists = target[Dom0Editor.LogDirectory].Exists;
        plan.CreateLogDirectory = !logExists;
        plan.Settings.Add(new Dom0Setting(plan.LogDirectory, "directory", logExists ? "exists" : null, "exists", !logExists,
            logExists ? null : $"mkdir -p {plan.LogDirectory} && chmod 755 {plan.LogDirectory}"));

        var loginChanged = plan.Files.Any(f => f.Path == plan.LoginConf && f.Changed);
        plan.LoginDatabaseState = await LoginDatabaseStateAsync(plan.LoginConf, target.HostPathOf(Dom0Editor.LoginConfDb), ct).ConfigureAwait(false);
        plan.RebuildLoginDatabase = loginChanged || plan.LoginDatabaseState != "up to date";
        plan.Settings.Add(new Dom0Setting(plan.LoginConf + ".db", "cap_mkdb", plan.LoginDatabaseState, plan.RebuildLoginDatabase ? "rebuilt" : plan.LoginDatabaseState, plan.RebuildLoginDatabase,
            plan.RebuildLoginDatabase ? "cap_mkdb " + plan.LoginConf : null));

        if (!audit && !facts.XenKernelPresent && !plan.PackagesToInstall.Contains("xen-kernel"))
        {
            throw new XenException("XenKernelNotInstalled", XenErrorKind.NotInstalled,
                $"{target.HostPathOf(Dom0Editor.XenKernel)} does not exist on host '{_host.ComputerName}': loader.conf would name a Xen kernel that is not there, and the host would not boot into Xen. " +
                "Install the xen-kernel package first (pkg install xen-kernel xen-tools, or -InstallPackages). Nothing was changed.")
            { ComputerName = _host.ComputerName };
        }
        if (state.BootDiagnostics == true)
            plan.Warnings.Add("-BootDiagnostics adds sync_console to the Xen command line: never use it in production, it lets guests slow Xen down through the console (a denial of service). Run Initialize-XenDom0 without -BootDiagnostics to remove it, or with -BootDiagnostics:$false to remove every diagnostic option.");
        return plan;
    }

    private string Target(Dom0DesiredState state) => state.HasRoot ? $"{state.Root} on '{_host.ComputerName}'" : $"Host '{_host.ComputerName}'";

    private async Task CheckTargetAsync(Dom0DesiredState state, CancellationToken ct)
    {
        var root = state.HasRoot ? state.Root : "/";
        var result = await _host.RunScriptAsync(TargetCheckScript(state), Options(), ct).ConfigureAwait(false);
        if (result.ExitCode == 3)
            throw new XenException("XenRootNotFound", XenErrorKind.ObjectNotFound, $"-Root {state.Root}: no such directory on host '{_host.ComputerName}'. Nothing was changed.") { ComputerName = _host.ComputerName };
        if (result.ExitCode == 4)
            throw new XenException("XenNotFreeBsdSystem", XenErrorKind.ObjectNotFound, $"{root} on host '{_host.ComputerName}' has no etc and boot directories: it does not look like a FreeBSD system. Nothing was changed.") { ComputerName = _host.ComputerName };
        if (result.ExitCode != 0)
            throw new XenException("XenFileOperationFailed", XenErrorKind.ReadError, $"Could not look at {root} on host '{_host.ComputerName}': exit code {result.ExitCode} {result.StandardError.Trim()}") { ComputerName = _host.ComputerName };
    }

    /// <summary>login.conf.db against login.conf: "up to date" unless it is missing or login.conf is newer
    /// (login(1) and setusercontext(3) read the database, cap_mkdb(1) builds it).</summary>
    private async Task<string> LoginDatabaseStateAsync(string loginConf, string d, CancellationToken ct)
    {
        var result = await _host.RunScriptAsync(LoginDatabaseScript(loginConf, d), Options(), ct).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => "up to date",
            3 => "missing",
            _ => "older than login.conf",
        };
    }

    /// <summary>Exit code 3 when the root is no directory, 4 when it has no etc or boot directory.</summary>
    internal static ShellScript TargetCheckScript(Dom0DesiredState state) =>
        ShellScript.Of($"[ -d {(state.HasRoot ? state.Root : "/")} ] || exit 3")
            .Line($"[ -d {state.PathOf("/etc")} ] && [ -d {state.PathOf("/boot")} ] || exit 4")
            .Line($"exit 0");

    /// <summary>Exit code 3 when login.conf.db is missing, 4 when login.conf is newer.</summary>
    internal static ShellScript LoginDatabaseScript(string loginConf, string d)
    {
        return ShellScript.Of($"[ -e {d} ] || exit 3").Line($"if [ {loginConf} -nt {d} ]; then exit 4; fi").Line($"exit 0");
    }

    private HostRunOptions Options() => new() { Timeout = TimeSpan.FromSeconds(30), OnCommandLine = l => _output.WriteDebug("Running: " + l) };
}
