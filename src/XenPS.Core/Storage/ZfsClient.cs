using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Storage;

/// <summary>
/// The zfs(8) commands XenPS runs on a host (OpenZFS, the same on FreeBSD and Linux): list, snapshot, rollback,
/// clone, send | receive, destroy. Every argument is a separate word (no shell), except send | receive, which is a
/// <see cref="ShellScript"/>. A failure is one <see cref="XenCommandException"/> whose id says what zfs meant.
/// </summary>
public sealed class ZfsClient
{
    /// <summary>The user property XenPS stamps on what Copy-XenDomU creates (a random token per call), so that an undo
    /// destroys only what that very call made.</summary>
    public const string CopyTokenProperty = "xenps:copy";

    /// <summary>What XenPS asks zfs list for.</summary>
    public static readonly IReadOnlyList<string> ListColumns = new[]
    {
        "name", "type", "used", "referenced", "creation", "createtxg", "origin", "clones", "volsize", "volmode", CopyTokenProperty,
    };

    private static readonly Regex DatasetName = new(@"^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)*$", RegexOptions.CultureInvariant);
    private static readonly Regex SnapshotPart = new(@"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$", RegexOptions.CultureInvariant);
    private static readonly Regex Missing = new(@"^cannot open '(?<name>[^']+)': dataset does not exist", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public ZfsClient(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    public IXenHost Host => _host;

    /// <summary>A dataset name: a pool, then levels, ZFS's own characters only (no '@').</summary>
    public static bool IsValidDatasetName(string name) =>
        name is not null && name.Length <= 240 && DatasetName.IsMatch(name) && !name.Split('/').Any(p => p == "." || p == "..");

    /// <summary>The part after '@' of a snapshot (a checkpoint name): ZFS's characters, starting with a letter or digit.</summary>
    public static bool IsValidSnapshotName(string name) => name is not null && SnapshotPart.IsMatch(name);

    public static string Snapshot(string dataset, string snapshotName) => dataset + "@" + snapshotName;

    private static void CheckDataset(string name)
    {
        if (!IsValidDatasetName(name)) throw new ArgumentException($"'{name}' is not a ZFS dataset name.", nameof(name));
    }

    private static void CheckSnapshot(string snapshot)
    {
        var at = snapshot.IndexOf('@');
        if (at <= 0 || !IsValidDatasetName(snapshot.Substring(0, at)) || !IsValidSnapshotName(snapshot.Substring(at + 1)))
            throw new ArgumentException($"'{snapshot}' is not a ZFS snapshot name (dataset@name).", nameof(snapshot));
    }

    private static void CheckProperties(IReadOnlyDictionary<string, string>? properties)
    {
        foreach (var p in properties ?? new Dictionary<string, string>())
        {
            if (!Regex.IsMatch(p.Key, "^[a-z][a-z0-9_.:-]*$", RegexOptions.CultureInvariant) || p.Value.Any(char.IsControl))
                throw new ArgumentException($"'{p.Key}={p.Value}' is not a ZFS property assignment.", nameof(properties));
        }
    }

    private static IEnumerable<string> PropertyOptions(IReadOnlyDictionary<string, string>? properties) =>
        (properties ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => new[] { "-o", p.Key + "=" + p.Value });

    /// <summary>Runs zfs; with <paramref name="check"/> a failure throws the classified error.</summary>
    public async Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct, TimeSpan? timeout = null, bool check = true)
    {
        var result = await XlClient.RunToolAsync(_host, _output, "zfs", arguments, ct, timeout ?? TimeSpan.FromMinutes(2), check: false).ConfigureAwait(false);
        if (result.ExitCode == 127 && result.StandardError.IndexOf("not found", StringComparison.Ordinal) >= 0) throw new XenToolNotFoundException("zfs");
        if (check && result.ExitCode != 0) throw Classify(result, _host.Describe("zfs", arguments), _host.ComputerName);
        return result;
    }

    /// <summary>zfs list of the given datasets (or, with <paramref name="snapshotsOf"/>, of their snapshots: -t snapshot
    /// -d 1). Names that do not exist are returned in Missing, not thrown.</summary>
    public async Task<(List<ZfsDataset> Found, List<string> Missing)> ListAsync(IReadOnlyList<string> names, bool snapshotsOf, CancellationToken ct)
    {
        if (names.Count == 0) return (new List<ZfsDataset>(), new List<string>());
        foreach (var n in names)
        {
            if (n.IndexOf('@') >= 0) CheckSnapshot(n);
            else CheckDataset(n);
        }
        var args = new List<string> { "list", "-H", "-p", "-o", string.Join(",", ListColumns), "-t", snapshotsOf ? "snapshot" : "all" };
        if (snapshotsOf) args.AddRange(new[] { "-d", "1" });
        args.AddRange(names);
        var result = await RunAsync(args, ct, check: false).ConfigureAwait(false);
        var missing = Missing.Matches(result.StandardError).Cast<Match>().Select(m => m.Groups["name"].Value).ToList();
        if (result.ExitCode != 0 && missing.Count == 0) throw Classify(result, _host.Describe("zfs", args), _host.ComputerName);
        try
        {
            return (ZfsListParser.Parse(result.StandardOutput, ListColumns), missing);
        }
        catch (FormatException ex)
        {
            throw new XenException("XenZfsOutputUnreadable", XenErrorKind.InvalidResult, $"Could not read the output of zfs list on host '{_host.ComputerName}': {ex.Message}", ex) { ComputerName = _host.ComputerName };
        }
    }

    /// <summary>One dataset or snapshot, or null when it does not exist.</summary>
    public async Task<ZfsDataset?> GetAsync(string name, CancellationToken ct)
    {
        var (found, _) = await ListAsync(new[] { name }, snapshotsOf: false, ct).ConfigureAwait(false);
        return found.FirstOrDefault(d => d.Name == name);
    }

    /// <summary>zfs snapshot [-o p=v] a@n b@n ...: all of them in one transaction (atomic across the datasets of a pool).</summary>
    public Task<CommandResult> SnapshotAsync(IReadOnlyList<string> snapshots, IReadOnlyDictionary<string, string>? properties, CancellationToken ct)
    {
        if (snapshots.Count == 0) throw new ArgumentException("No snapshot to take.", nameof(snapshots));
        foreach (var s in snapshots) CheckSnapshot(s);
        CheckProperties(properties);
        return RunAsync(new[] { "snapshot" }.Concat(PropertyOptions(properties)).Concat(snapshots).ToArray(), ct);
    }

    /// <summary>zfs rollback [-r] dataset@name (-r destroys the later snapshots).</summary>
    public Task<CommandResult> RollbackAsync(string snapshot, bool destroyLater, CancellationToken ct)
    {
        CheckSnapshot(snapshot);
        return RunAsync(destroyLater ? new[] { "rollback", "-r", snapshot } : new[] { "rollback", snapshot }, ct, TimeSpan.FromMinutes(10));
    }

    /// <summary>zfs clone [-o p=v] dataset@name target.</summary>
    public Task<CommandResult> CloneAsync(string snapshot, string target, IReadOnlyDictionary<string, string>? properties, CancellationToken ct)
    {
        CheckSnapshot(snapshot);
        CheckDataset(target);
        CheckProperties(properties);
        return RunAsync(new[] { "clone" }.Concat(PropertyOptions(properties)).Concat(new[] { snapshot, target }).ToArray(), ct);
    }

    /// <summary>zfs destroy NAME (a dataset, or a snapshot dataset@name), retried for a while when zfs says it is busy
    /// (a guest's block backend lets go of a volume a moment after the domain is gone).</summary>
    public async Task<CommandResult> DestroyAsync(string name, bool recursive, CancellationToken ct, TimeSpan? busyFor = null)
    {
        if (name.IndexOf('@') >= 0) CheckSnapshot(name);
        else CheckDataset(name);
        var args = recursive ? new[] { "destroy", "-r", name } : new[] { "destroy", name };
        var until = DateTime.UtcNow + (busyFor ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var result = await RunAsync(args, ct, TimeSpan.FromMinutes(5), check: false).ConfigureAwait(false);
            if (result.ExitCode == 0) return result;
            var error = Classify(result, _host.Describe("zfs", args), _host.ComputerName);
            if (error.ErrorId != "XenZfsDatasetBusy" || DateTime.UtcNow >= until) throw error;
            _output.WriteVerbose($"{name} is busy on '{_host.ComputerName}': trying again in a second.");
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Destroys a dataset or snapshot only when it carries this call's token (<see cref="CopyTokenProperty"/>):
    /// an undo never destroys what another call or another admin made. Looks twice (a second apart) when it is not
    /// there yet, in case the zfs that makes it was stopped by Ctrl+C a moment before and still finishes. True when
    /// something was destroyed.</summary>
    public async Task<bool> DestroyIfOwnedAsync(string name, string token, bool recursive, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var found = await GetAsync(name, ct).ConfigureAwait(false);
            if (found is not null)
            {
                if (!found.Properties.TryGetValue(CopyTokenProperty, out var t) || t != token)
                {
                    _output.WriteVerbose($"Leaving {name} on '{_host.ComputerName}': it was not made by this command.");
                    return false;
                }
                await DestroyAsync(name, recursive, ct, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                return true;
            }
            if (attempt == 0) await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        return false;
    }

    /// <summary>The script of `zfs send SNAPSHOT | zfs receive -o p=v TARGET`, with both exit codes checked (sh has no
    /// pipefail): exit 0 when both worked, 3 when send failed, 4 when receive failed. A watchdog stops the receive when
    /// nobody reads the script's output any more (Ctrl+C, a cut SSH connection), so that no copy goes on unseen.</summary>
    public static ShellScript BuildSendReceiveScript(string snapshot, string target, IReadOnlyDictionary<string, string>? properties)
    {
        CheckSnapshot(snapshot);
        CheckDataset(target);
        CheckProperties(properties);
        var receive = new List<string> { "zfs", "receive" };
        receive.AddRange(PropertyOptions(properties));
        receive.Add(target);
        var status = ShellScript.Var("xenps_send");
        return new ShellScript()
            .Line($"xenps_status=$(mktemp) || exit 5")
            .Line($"trap 'rm -f \"$xenps_status\"' EXIT")
            .Line($"{{ zfs send {snapshot}; echo \"$?\" >\"$xenps_status\"; }} | {ShellScript.Words(receive)} >&2 &")
            .Line($"xenps_pid=$!")
            // The watchdog: one dot a second on standard output; when that fails, the reader is gone: stop the copy.
            .Line($"( trap '' PIPE; while kill -0 \"$xenps_pid\" 2>/dev/null; do printf . || {{ kill \"$xenps_pid\" 2>/dev/null; exit 0; }}; sleep 1; done ) &")
            .Line($"wait \"$xenps_pid\"; xenps_receive=$?")
            .Line($"xenps_send=$(cat \"$xenps_status\" 2>/dev/null)")
            .Line($"echo")
            .Line($"[ {status} = 0 ] || {{ echo \"zfs send failed (exit code ${{xenps_send:-unknown}})\" >&2; exit 3; }}")
            .Line($"[ \"$xenps_receive\" = 0 ] || {{ echo \"zfs receive failed (exit code $xenps_receive)\" >&2; exit 4; }}")
            .Line($"exit 0");
    }

    /// <summary>Copies a snapshot into a new, independent dataset with zfs send | zfs receive.</summary>
    public async Task SendReceiveAsync(string snapshot, string target, IReadOnlyDictionary<string, string>? properties, TimeSpan timeout, CancellationToken ct)
    {
        var script = BuildSendReceiveScript(snapshot, target, properties);
        var result = await _host.RunScriptAsync(script, new HostRunOptions { Timeout = timeout, OnCommandLine = l => _output.WriteVerbose("Running: " + l) }, ct).ConfigureAwait(false);
        _output.WriteDebug(XlClient.DescribeResult("zfs send " + snapshot + " | zfs receive " + target, result));
        if (result.ExitCode != 0) throw Classify(result, $"zfs send {snapshot} | zfs receive {target}", _host.ComputerName);
    }

    /// <summary>Waits until the device of a ZFS volume exists (/dev/zvol/pool/volume: made at once by FreeBSD's GEOM, a
    /// moment later by udev on Linux), so that xl finds it.</summary>
    public async Task WaitForDeviceAsync(string volume, TimeSpan timeout, CancellationToken ct)
    {
        CheckDataset(volume);
        var path = StorageOperations.ZvolDevicePath(volume);
        var tenths = (int)Math.Max(1, timeout.TotalMilliseconds / 100);
        // No ZFS in the host's kernel (Linux: /sys/module/zfs, FreeBSD: kldstat -m zfs): no device will ever appear, and
        // zfs itself is a stand-in; xl then says what is missing.
        var script = ShellScript.Of($"if [ ! -d /sys/module/zfs ] && ! kldstat -q -m zfs >/dev/null 2>&1; then exit 0; fi")
            .Line($"i=0")
            .Line($"while [ ! -e {path} ]; do i=$((i + 1)); [ \"$i\" -le {tenths} ] || exit 3; sleep 0.1; done");
        var result = await _host.RunScriptAsync(script, new HostRunOptions { Timeout = timeout + TimeSpan.FromSeconds(30), OnCommandLine = l => _output.WriteDebug("Running: " + l) }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new XenException("XenZvolDeviceMissing", XenErrorKind.ResourceUnavailable,
                $"The device {path} of the ZFS volume {volume} did not appear on host '{_host.ComputerName}' within {timeout.TotalSeconds:0} s (is the volume's volmode 'none'? on Linux, is udev running?).")
            { ComputerName = _host.ComputerName };
        }
    }

    private sealed class Rule
    {
        public Rule(string id, XenErrorKind kind, string pattern)
        {
            Id = id;
            Kind = kind;
            Regex = new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant);
        }

        public string Id { get; }
        public XenErrorKind Kind { get; }
        public Regex Regex { get; }
    }

    // libzfs's messages (lib/libzfs/libzfs_util.c zfs_standard_error, libzfs_dataset.c), the same on FreeBSD and Linux;
    // the ones seen in the lab are in tests/XenPS.Core.Tests/Data/zfs.
    private static readonly Rule[] Rules =
    {
        new("XenZfsPoolNotFound", XenErrorKind.ObjectNotFound, @"no such pool"),
        new("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound, @"parent does not exist"),
        new("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound, @"dataset does not exist|could not find any snapshots to destroy"),
        new("XenZfsDatasetExists", XenErrorKind.ResourceExists, @"dataset already exists|destination '[^']*' exists"),
        new("XenZfsDatasetBusy", XenErrorKind.ResourceUnavailable, @"dataset is busy|pool or dataset is busy|device busy"),
        new("XenZfsHasDependents", XenErrorKind.InvalidOperation, @"has dependent clones|has children|clones of previous snapshots exist"),
        new("XenCheckpointNotLatest", XenErrorKind.InvalidOperation, @"more recent snapshots( or bookmarks)? exist"),
        new("XenZfsOutOfSpace", XenErrorKind.ResourceUnavailable, @"out of space|not enough space"),
        new("XenZfsPermissionDenied", XenErrorKind.PermissionDenied, @"permission denied"),
    };

    /// <summary>Turns a failed zfs run into an error whose id says what zfs meant, with zfs's own words.</summary>
    public static XenCommandException Classify(CommandResult result, string commandLine, string computerName)
    {
        var stderr = result.StandardError ?? string.Empty;
        var rule = Rules.FirstOrDefault(r => r.Regex.IsMatch(stderr));
        var said = string.Join(" | ", stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(4));
        var message = $"'{commandLine}' failed on host '{computerName}' (exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)})" + (said.Length > 0 ? ": zfs said: " + said : ".");
        return new XenCommandException(rule?.Id ?? "XenZfsCommandFailed", rule?.Kind ?? XenErrorKind.NotSpecified, message, result, commandLine) { ComputerName = computerName };
    }
}
