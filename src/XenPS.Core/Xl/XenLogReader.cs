using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Parsing;

namespace XenPS.Core.Xl;

/// <summary>Reads and follows Xen's logs on a host: the per-domain files under /var/log/xen and xl dmesg.</summary>
public sealed class XenLogReader
{
    private const int MissingExitCode = 3;

    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public XenLogReader(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>The file of a per-domain log (null for the hypervisor's, which is read with xl dmesg).</summary>
    public static string? PathOf(XenLogKind kind, string? name) => PathIn(XenPaths.LogDirectoryPath, kind, name);

    /// <summary>The file of a per-domain log in the log directory <paramref name="directory"/>.</summary>
    internal static string? PathIn(string directory, XenLogKind kind, string? name)
    {
        if (kind == XenLogKind.Hypervisor) return null;
        ValidateName(name);
        return kind switch
        {
            XenLogKind.Xl => $"{directory}/xl-{name}.log",
            XenLogKind.DeviceModel => $"{directory}/qemu-dm-{name}.log",
            _ => $"{directory}/console/guest-{name}.log",
        };
    }

    /// <summary>The label of a log in messages and in <see cref="XenLogEntry.Path"/>.</summary>
    public static string SourceOf(XenLogKind kind, string? name) => PathOf(kind, name) ?? "xl dmesg";

    internal static void ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, "The xl, device model and console logs belong to a domain: give its -Name.");
        if (name!.Any(c => c == '/' || char.IsControl(c)) || name == "." || name == "..")
            throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, $"'{name}' cannot be a domain name (no '/' or control characters).");
    }

    /// <summary>The whole log, or its last <paramref name="tail"/> lines.</summary>
    public async Task<List<XenLogEntry>> ReadAsync(XenLogKind kind, string? name, int? tail, CancellationToken cancellationToken)
    {
        if (kind == XenLogKind.Hypervisor)
        {
            var result = await XlClient.RunToolAsync(_host, _output, "xl", new[] { "dmesg" }, cancellationToken).ConfigureAwait(false);
            var entries = XenLogParser.Parse(result.StandardOutput, kind, null, "xl dmesg", _host.ComputerName);
            return tail is { } n && entries.Count > n ? entries.GetRange(entries.Count - n, n) : entries;
        }

        var path = PathOf(kind, name)!;
        var file = await _host.RunScriptAsync(ReadScript(path, tail), Options(TimeSpan.FromSeconds(60)), cancellationToken).ConfigureAwait(false);
        if (file.ExitCode == MissingExitCode) throw NotFound(kind, name!, path);
        if (file.ExitCode != 0)
        {
            throw new XenException("XenLogReadFailed", XenErrorKind.ReadError,
                $"Could not read {path} on host '{_host.ComputerName}': {XlErrorClassifier.Summarize(file.StandardError)}")
            { ComputerName = _host.ComputerName };
        }
        return XenLogParser.Parse(file.StandardOutput, kind, name, path, _host.ComputerName);
    }

    /// <summary>Follows a log: first its last <paramref name="tail"/> lines (10 when null), then every new line as it is
    /// written, until <paramref name="cancellationToken"/> is cancelled (then it returns). Files are followed with
    /// tail -F (they may be rotated or created later); the hypervisor's ring is read again every
    /// <paramref name="pollInterval"/>.</summary>
    public async Task FollowAsync(XenLogKind kind, string? name, int? tail, Action<XenLogEntry> onEntry, CancellationToken cancellationToken, TimeSpan? pollInterval = null)
    {
        try
        {
            if (kind == XenLogKind.Hypervisor)
            {
                await FollowHypervisorAsync(tail, onEntry, pollInterval ?? TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                return;
            }

            var path = PathOf(kind, name)!;
            var options = Options(null);
            options.OnStandardOutputLine = line =>
            {
                if (line.Length > 0) onEntry(XenLogParser.ParseLine(line, kind, name, path, _host.ComputerName));
            };
            var lines = (tail ?? 10).ToString(CultureInfo.InvariantCulture);
            CommandResult result;
            if (_host.IsLocal)
            {
                // Stopping kills tail itself.
                result = await _host.RunAsync("tail", new[] { "-n", lines, "-F", path }, options, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Stopping kills the local ssh; the remote tail would only notice at its next write, which may never
                // come. So the remote shell writes an empty line every few seconds: once the connection is gone that
                // write fails and the shell stops tail. (Empty lines are not log lines: they are skipped above.)
                result = await _host.RunScriptAsync(FollowScript(path, lines), options, cancellationToken).ConfigureAwait(false);
            }
            if (result.ExitCode != 0 && !cancellationToken.IsCancellationRequested)
            {
                throw new XenException("XenLogReadFailed", XenErrorKind.ReadError,
                    $"Could not follow {path} on host '{_host.ComputerName}': {XlErrorClassifier.Summarize(result.StandardError)}")
                { ComputerName = _host.ComputerName };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the caller stopped following
        }
    }

    private async Task FollowHypervisorAsync(int? tail, Action<XenLogEntry> onEntry, TimeSpan interval, CancellationToken cancellationToken)
    {
        List<string>? previous = null;
        while (true)
        {
            var result = await XlClient.RunToolAsync(_host, NullXenOutput.Instance, "xl", new[] { "dmesg" }, cancellationToken).ConfigureAwait(false);
            var lines = result.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            var fresh = previous is null ? lines.Skip(Math.Max(0, lines.Count - (tail ?? 10))).ToList() : NewLines(previous, lines);
            foreach (var line in fresh) onEntry(XenLogParser.ParseLine(line, XenLogKind.Hypervisor, null, "xl dmesg", _host.ComputerName));
            previous = lines;
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The lines of a ring buffer read again that were not in the previous read: those after the last place
    /// where <paramref name="after"/> holds the last lines of <paramref name="before"/> (up to five compared: the ring
    /// drops its oldest text when it is full, even in the middle of a line).</summary>
    internal static List<string> NewLines(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        if (before.Count == 0) return after.ToList();
        for (var end = after.Count; end >= 1; end--)
        {
            var overlap = Math.Min(5, Math.Min(end, before.Count));
            var matches = true;
            for (var i = 1; i <= overlap && matches; i++) matches = after[end - i] == before[before.Count - i];
            if (matches) return after.Skip(end).ToList();
        }
        return after.ToList();
    }

    /// <summary>The last lines of a domain's logs written in the last <paramref name="minutes"/> minutes
    /// (xl-NAME.log, qemu-dm-NAME.log, console/guest-NAME.log, xen-hotplug.log), each prefixed with its file name: what explains a failed
    /// xl create. Never throws (returns what it could read).</summary>
    public async Task<IReadOnlyList<string>> RecentLinesAsync(string name, int lines, int minutes, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _host.RunScriptAsync(RecentLinesScript(XenPaths.LogDirectoryPath, name, lines, minutes), Options(TimeSpan.FromSeconds(30)), cancellationToken).ConfigureAwait(false);
            return result.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        }
        catch (Exception ex) when (ex is XenException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _output.WriteDebug($"Could not read the logs of {name} on {_host.ComputerName}: {ex.Message}");
            return Array.Empty<string>();
        }
    }

    /// <summary>The whole file, or its last lines; exit code 3 when it does not exist.</summary>
    internal static ShellScript ReadScript(string path, int? tail) => tail is { } t
        ? ShellScript.Of($"if [ -f {path} ]; then exec tail -n {t} -- {path}; else exit {MissingExitCode}; fi")
        : ShellScript.Of($"if [ -f {path} ]; then exec cat -- {path}; else exit {MissingExitCode}; fi");

    /// <summary>tail -F on a remote host, stopped when the connection is gone (see <see cref="FollowAsync"/>).</summary>
    internal static ShellScript FollowScript(string path, string lines) =>
        ShellScript.Of($"tail -n {lines} -F -- {path} </dev/null & t=$!")
            .Line($"trap 'kill $t 2>/dev/null; exit 0' HUP PIPE TERM INT")
            .Line($"while kill -0 $t 2>/dev/null; do sleep 3; printf '\\n' || break; done")
            .Line($"kill $t 2>/dev/null")
            .Line($"wait $t 2>/dev/null");

    /// <summary>The last lines of each log of <paramref name="name"/> written in the last minutes, each prefixed with
    /// its file's name.</summary>
    internal static ShellScript RecentLinesScript(string directory, string name, int lines, int minutes)
    {
        ValidateName(name);
        var files = new[] { PathIn(directory, XenLogKind.Xl, name)!, PathIn(directory, XenLogKind.DeviceModel, name)!, PathIn(directory, XenLogKind.Console, name)!, directory + "/xen-hotplug.log" };
        var sb = new ShellScript();
        foreach (var file in files)
        {
            // Each line is prefixed with the file's name by the shell itself (never spliced into a sed program).
            var label = file.Substring(file.LastIndexOf('/') + 1) + ": ";
            sb.Line($"if [ -f {file} ] && [ -n \"$(find {file} -mmin -{minutes} 2>/dev/null)\" ]; then tail -n {lines} -- {file} | while IFS= read -r l || [ -n \"$l\" ]; do printf '%s%s\\n' {label} \"$l\"; done; fi");
        }
        return sb.Line($"exit 0");
    }

    private static XenException NotFound(XenLogKind kind, string name, string path) => new("XenLogNotFound", XenErrorKind.ObjectNotFound,
        kind switch
        {
            XenLogKind.Xl => $"{path} does not exist: xl writes it when it creates the domain '{name}' (xl create, Start-XenDomain, New-XenDomU).",
            XenLogKind.DeviceModel => $"{path} does not exist: only a domain with a device model (HVM guests, qdisk disks) has one.",
            _ => $"{path} does not exist: xenconsoled writes guest consoles only when it runs with --log=guest (or XENCONSOLED_TRACE=guest).",
        });

    private HostRunOptions Options(TimeSpan? timeout) => new()
    {
        Timeout = timeout,
        OnCommandLine = line => _output.WriteVerbose("Running: " + line),
    };
}
