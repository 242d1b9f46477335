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
/// Xen versions, reads the files through <see cref="HostFileSystem"/> (locally or over SSH) and computes their new
/// texts with <see cref="Dom0Editor"/>. Reads only; every check that can refuse the preparation runs here, before
/// anything is changed.
/// </summary>
public sealed class Dom0Planner
{
    private readonly IXenHost _host;
    private readonly IXenOutput _output;
    private readonly HostFileSystem _fs;

    public Dom0Planner(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
        _fs = new HostFileSystem(host, _output);
    }

    /// <summary>Plans the preparation. With <paramref name="audit"/> (Test-XenDom0) an unknown Xen version, missing
    /// packages or a missing /boot/xen are not errors: they become failed checks.</summary>
    public async Task<Dom0Plan> PlanAsync(Dom0DesiredState state, bool audit, CancellationToken ct)
    {
        if (state is null) throw new ArgumentNullException(nameof(state));
        await CheckTargetAsync(state, ct).ConfigureAwait(false);

        var facts = await new Dom0Probe(_host, _output).GatherAsync(state, requireXenVersion: !audit, askRunningXen: audit, ct).ConfigureAwait(false);
        _output.WriteVerbose($"{Target(state)}: FreeBSD {facts.FreeBsdVersion ?? "(release unknown: assuming 13 or later)"}, {facts.DescribeXen()}.");

        var current = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var path in Dom0Editor.Files)
        {
            if (path == Dom0Editor.MenuRcLocal && !state.BootMenu) continue;
            current[path] = await _fs.ReadFileAsync(state.PathOf(path), ct).ConfigureAwait(false);
        }
        foreach (var required in new[] { Dom0Editor.LoginConfPath, Dom0Editor.TtysPath })
        {
            if (current[required] is null)
            {
                throw new XenException("XenNotFreeBsdSystem", XenErrorKind.ObjectNotFound,
                    $"{state.PathOf(required)} does not exist on host '{_host.ComputerName}': {(state.HasRoot ? state.Root : "the host")} does not look like a FreeBSD system. Nothing was changed.")
                { ComputerName = _host.ComputerName };
            }
        }

        var edit = Dom0Editor.Edit(state, facts, current);
        var plan = new Dom0Plan(_host.ComputerName, state, facts);
        plan.Warnings.AddRange(edit.Warnings);
        foreach (var path in Dom0Editor.Files)
        {
            if (edit.Texts.TryGetValue(path, out var text)) plan.Files.Add(new Dom0FilePlan(state.PathOf(path), current.TryGetValue(path, out var old) ? old : null, text));
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

        var logExists = await _fs.ExistsAsync(plan.LogDirectory, ct).ConfigureAwait(false);
        plan.CreateLogDirectory = !logExists;
        plan.Settings.Add(new Dom0Setting(plan.LogDirectory, "directory", logExists ? "exists" : null, "exists", !logExists,
            logExists ? null : $"mkdir -p {plan.LogDirectory} && chmod 755 {plan.LogDirectory}"));

        var loginChanged = plan.Files.Any(f => f.Path == plan.LoginConf && f.Changed);
        plan.LoginDatabaseState = await LoginDatabaseStateAsync(plan.LoginConf, ct).ConfigureAwait(false);
        plan.RebuildLoginDatabase = loginChanged || plan.LoginDatabaseState != "up to date";
        plan.Settings.Add(new Dom0Setting(plan.LoginConf + ".db", "cap_mkdb", plan.LoginDatabaseState, plan.RebuildLoginDatabase ? "rebuilt" : plan.LoginDatabaseState, plan.RebuildLoginDatabase,
            plan.RebuildLoginDatabase ? "cap_mkdb " + plan.LoginConf : null));

        if (!audit && !facts.XenKernelPresent && !plan.PackagesToInstall.Contains("xen-kernel"))
        {
            throw new XenException("XenKernelNotInstalled", XenErrorKind.NotInstalled,
                $"{state.PathOf(Dom0Editor.XenKernel)} does not exist on host '{_host.ComputerName}': loader.conf would name a Xen kernel that is not there, and the host would not boot into Xen. " +
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
    private async Task<string> LoginDatabaseStateAsync(string loginConf, CancellationToken ct)
    {
        var result = await _host.RunScriptAsync(LoginDatabaseScript(loginConf), Options(), ct).ConfigureAwait(false);
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
    internal static ShellScript LoginDatabaseScript(string loginConf)
    {
        var d = loginConf + ".db";
        return ShellScript.Of($"[ -e {d} ] || exit 3").Line($"if [ {loginConf} -nt {d} ]; then exit 4; fi").Line($"exit 0");
    }

    private HostRunOptions Options() => new() { Timeout = TimeSpan.FromSeconds(30), OnCommandLine = l => _output.WriteDebug("Running: " + l) };
}
