using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Globalization;
using System.Security.Cryptography;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Core.Provisioning;

/// <summary>
/// The on-host half of New-XenDomU's rollback, for when the client itself goes away between its steps (the process is
/// killed, the machine loses power, the SSH connection is cut): then no in-process rollback can run. Before the first
/// change, New-XenDomU starts this guard on the host (one <c>sh -s</c>, over SSH or locally), whose standard input is
/// its lifeline. The guard is told up front exactly which objects the create may make, and it records which of them were
/// absent when it started:
/// <list type="bullet">
/// <item>the ZFS volume (or sparse disk file) — undone only when it was absent at the start;</item>
/// <item>the configuration file — deleted only when it still holds exactly the bytes the create writes (SHA-256);</item>
/// <item>the domain — only a domain named exactly so, whose id was not listed before the create, re-checked by name
/// (<c>xl domname</c>) right before it is destroyed by id.</item>
/// </list>
/// When everything is done the client commits: a separate command makes the directory <c>decided</c> in the guard's
/// private directory and writes <c>commit</c> into it, then ends the guard's input. When the input ends without a
/// commit (the client died or its connection went away), the guard takes the same directory first (mkdir is atomic:
/// a late commit then fails and says so), waits until no <c>xl create</c> of that configuration is still in flight
/// (at most 90 s), then undoes, in reverse order, what it finds of the recorded objects. A guard left without work
/// (committed) only removes its directory.
/// </summary>
public sealed class CreateGuard
{
    private readonly IXenHost _host;
    private readonly IXenOutput _output;
    private readonly CancellationTokenSource _lifeline = new();
    private Task<CommandResult>? _running;

    private CreateGuard(IXenHost host, IXenOutput output, string directory)
    {
        _host = host;
        _output = output;
        Directory = directory;
    }

    /// <summary>The guard's private directory on the host (made by the guard, mode 0700).</summary>
    public string Directory { get; }

    /// <summary>A new guard directory name under /tmp with 128 random bits (the guard refuses one that exists).</summary>
    public static string NewDirectory() =>
        "/tmp/xenps-guard-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>Starts the guard and waits until it reports that it is armed.</summary>
    public static async Task<CreateGuard> StartAsync(IXenHost host, IXenOutput output, string name, IReadOnlyCollection<int> existingIds,
        string? zfsVolume, string? diskFile, string configPath, string configSha256, CancellationToken ct)
    {
        var guard = new CreateGuard(host, output, NewDirectory());
        var armed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new HostRunOptions
        {
            HoldInputOpen = true,
            Timeout = null,
            OnStandardOutputLine = line => { if (line.Trim() == "xenps-guard: armed") armed.TrySetResult(true); },
        };
        var script = BuildScript(guard.Directory, name, existingIds, zfsVolume, diskFile, configPath, configSha256);
        output.WriteVerbose($"[{host.ComputerName}] starting the rollback guard of '{XenDomainName.Display(name)}' ({guard.Directory}).");
        guard._running = host.RunScriptAsync(script, options, guard._lifeline.Token);
        var first = await Task.WhenAny(armed.Task, guard._running, Task.Delay(TimeSpan.FromSeconds(60), ct)).ConfigureAwait(false);
        if (first != armed.Task)
        {
            guard._lifeline.Cancel();
            ct.ThrowIfCancellationRequested();
            var detail = guard._running.IsCompletedSuccessfully ? guard._running.Result.StandardError.Trim() : "it did not answer";
            throw new XenException("XenGuardFailed", XenErrorKind.ResourceUnavailable,
                $"Could not start the rollback guard on host '{host.ComputerName}' ({detail}): nothing was changed.") { ComputerName = host.ComputerName };
        }
        return guard;
    }

    /// <summary>The create succeeded: tells the guard to keep everything. Throws when the guard had already started to
    /// undo (its lifeline ended first): then the host goes back to the old state.</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        var script = ShellScript.Of($"mkdir -- {Directory + "/decided"} 2>/dev/null && echo commit > {Directory + "/decided/commit"}");
        CommandResult result;
        try
        {
            result = await _host.RunScriptAsync(script, new HostRunOptions { Timeout = TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
        }
        finally
        {
            _lifeline.Cancel();
        }
        if (result.ExitCode != 0)
        {
            throw new XenException("XenGuardRolledBack", XenErrorKind.ConnectionError,
                $"The connection of the rollback guard on host '{_host.ComputerName}' was lost before the create was confirmed: the guard undoes what this create made (domain, configuration file, disk).")
            { ComputerName = _host.ComputerName };
        }
        await Ended().ConfigureAwait(false);
    }

    /// <summary>The create failed and rolled back in process: ends the guard's input, so that it undoes whatever is left.</summary>
    public async Task AbandonAsync()
    {
        _lifeline.Cancel();
        await Ended().ConfigureAwait(false);
    }

    private async Task Ended()
    {
        if (_running is null) return;
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is XenException)
        {
            _output.WriteVerbose($"[{_host.ComputerName}] the rollback guard ended ({ex.Message}).");
        }
    }

    /// <summary>The guard script (see the class remarks). Its standard output says "armed" once, then goes to
    /// /dev/null: nothing it does later may fail because the client is gone.</summary>
    internal static ShellScript BuildScript(string directory, string name, IReadOnlyCollection<int> existingIds, string? zfsVolume,
        string? diskFile, string configPath, string configSha256)
    {
        var ids = string.Join(" ", existingIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        var s = new ShellScript();
        // One brace group: sh reads all of it before it runs anything, so the rest of the input is the lifeline only.
        s.Line($"{{");
        s.Line($"trap '' HUP PIPE INT");
        s.Line($"PATH=\"$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin\"; export PATH");
        s.Line($"umask 077");
        s.Line($"d={directory}; n={name}; cfg={configPath}; sum={configSha256}; ids={ids}; vol={zfsVolume ?? string.Empty}; file={diskFile ?? string.Empty}");
        s.Line($"mkdir -m 700 -- \"$d\" || {{ echo 'xenps-guard: cannot make its directory' >&2; exit 1; }}");
        s.Line($"vol_new=0; file_new=0");
        s.Line($"if [ -n \"$vol\" ] && ! zfs list -H -o name -- \"$vol\" >/dev/null 2>&1; then vol_new=1; fi");
        s.Line($"if [ -n \"$file\" ] && [ ! -e \"$file\" ]; then file_new=1; fi");
        s.Line($"cfg_new=0; [ -e \"$cfg\" ] || cfg_new=1");
        s.Line($"xenps_sha256() {{");
        s.Line($"  if command -v sha256sum >/dev/null 2>&1; then h=$(sha256sum < \"$1\") || return 1; printf '%s\\n' \"${{h%% *}}\"");
        s.Line($"  elif command -v sha256 >/dev/null 2>&1; then sha256 -q < \"$1\"");
        s.Line($"  else h=$(openssl dgst -sha256 < \"$1\") || return 1; printf '%s\\n' \"${{h##* }}\"; fi");
        s.Line($"}}");
        s.Line($"echo 'xenps-guard: armed'");
        s.Line($"exec >/dev/null 2>&1");
        // The lifeline: ends when the client ends its input, dies, or its connection goes away.
        s.Line($"cat >/dev/null");
        s.Line($"if ! mkdir -- \"$d/decided\"; then rm -rf -- \"$d\"; exit 0; fi");
        // Wait for an xl create of this configuration that is still running (its supervisor stops it); the domain
        // monitor that xl leaves behind is a daemon (parent 1) and does not count.
        s.Line($"i=0; while [ \"$i\" -lt 90 ] && ps -A -o ppid= -o args= | P=\"$cfg\" awk '$1 != 1 && $2 ~ /(^|\\/)xl$/ && index($0, ENVIRON[\"P\"]) {{ f=1 }} END {{ exit !f }}'; do sleep 1; i=$((i+1)); done");
        s.Line($"for id in $(xl list 2>/dev/null | N=\"$n\" awk 'NR > 1 && $1 == ENVIRON[\"N\"] {{ print $2 }}'); do");
        s.Line($"  case \" $ids \" in *\" $id \"*) continue ;; esac");
        s.Line($"  [ \"$(xl domname \"$id\" 2>/dev/null)\" = \"$n\" ] && timeout 60 xl destroy \"$id\"");
        s.Line($"done");
        s.Line($"if [ \"$cfg_new\" = 1 ] && [ -f \"$cfg\" ] && [ \"$(xenps_sha256 \"$cfg\")\" = \"$sum\" ]; then rm -f -- \"$cfg\"; fi");
        s.Line($"if [ \"$vol_new\" = 1 ]; then i=0; while [ \"$i\" -lt 10 ] && zfs list -H -o name -- \"$vol\" >/dev/null 2>&1; do zfs destroy -- \"$vol\" && break; sleep 2; i=$((i+1)); done; fi");
        s.Line($"if [ \"$file_new\" = 1 ] && [ -f \"$file\" ]; then rm -f -- \"$file\"; fi");
        s.Line($"echo undone > \"$d/decided/undone\"; rm -rf -- \"$d\"");
        s.Line($"exit 0");
        s.Line($"}}");
        return s;
    }
}
