using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.Xl;

/// <summary>
/// The status file of a move without -Live, kept on the source host (mode 0600, in a folder of root's: /var/run/xenps,
/// or $TMPDIR/xenps-UID for another user), one per source domain id: move-ID.status. The script on the source writes
/// it as it goes, and decides the end by itself, also when XenPS is gone (Ctrl+C, the time limit, a cut connection);
/// XenPS reads it at the end, in its error path, and before the next move of the same domain.
/// <code>
/// xenps-move 1
/// op 5f0c...            the operation (random, per run)
/// pid 4711              the script's process on the source
/// domid 3               the source domain
/// uuid 3f2a...|-        its UUID when known
/// was running|paused    its state before the move (the destination gets the same)
/// limit 600             the transfer's time limit, in seconds
/// phase saving 1764...          (each line: what, then the time in seconds since 1970)
/// transfer save=0 restore=0 stopped=0 1764...
/// phase checking-destination 1764...
/// destination running|paused|other|absent|unknown 1764...
/// end destroyed-source 1764...
/// </code>
/// The end is one of the <c>End*</c> constants; a file without an end line belongs to a move still running (its pid
/// alive) or killed.
/// </summary>
public sealed class XenMoveStatus
{
    /// <summary>The destination runs the guest; the paused original on the source was destroyed: moved.</summary>
    public const string EndDestroyedSource = "destroyed-source";

    /// <summary>The destination does not have the guest; the source runs it again (unpaused by XenPS, or resumed by
    /// xl save itself when its transport broke).</summary>
    public const string EndResumedSource = "resumed-source";

    /// <summary>The destination does not have the guest; it was paused before the move and stays paused on the source.</summary>
    public const string EndKeptSourcePaused = "kept-source-paused";

    /// <summary>The destination could not be asked: the source stays paused (resuming it could make two instances).</summary>
    public const string EndDestinationUnknown = "failed-destination-unknown";

    /// <summary>The destination lists the guest, but not running (partly restored, paused, shut down): both kept, none runs.</summary>
    public const string EndDestinationHasCopy = "failed-destination-has-copy";

    /// <summary>The destination runs the guest but the original on the source could not be destroyed (it stays paused).</summary>
    public const string EndDestroyFailed = "failed-destroy-source";

    /// <summary>The destination does not have the guest, but the source could not be unpaused.</summary>
    public const string EndResumeFailed = "failed-resume-source";

    /// <summary>The destination runs the guest and so did the source (xl save resumed it): the source was paused again.</summary>
    public const string EndBothRan = "failed-both-ran-source-paused";

    /// <summary>The source no longer lists the domain at the end, and the destination does not run it.</summary>
    public const string EndSourceGone = "failed-source-gone";

    /// <summary>The source's copy ended suspended (xl save was killed): xl cannot resume it.</summary>
    public const string EndSourceSuspended = "failed-source-suspended";

    private static readonly HashSet<string> Ends = new(StringComparer.Ordinal)
    {
        EndDestroyedSource, EndResumedSource, EndKeptSourcePaused, EndDestinationUnknown, EndDestinationHasCopy,
        EndDestroyFailed, EndResumeFailed, EndBothRan, EndSourceGone, EndSourceSuspended,
    };

    public string? Operation { get; private set; }

    /// <summary>A live migration's file: it only says that the migration runs (the file goes when it ends).</summary>
    public bool Live { get; private set; }
    public int? Pid { get; private set; }
    public int? DomainId { get; private set; }
    public Guid? Uuid { get; private set; }

    /// <summary>The guest ran (was not paused) before the move.</summary>
    public bool WasRunning { get; private set; } = true;

    public int? LimitSeconds { get; private set; }

    /// <summary>Every phase, in order, with its time.</summary>
    public IReadOnlyList<(string Phase, DateTimeOffset? At)> Phases => _phases;

    private readonly List<(string Phase, DateTimeOffset? At)> _phases = new();

    /// <summary>The last phase reached ("saving", "checking-destination"...).</summary>
    public string? Phase => _phases.Count == 0 ? null : _phases[_phases.Count - 1].Phase;

    /// <summary>The transfer's exit codes: xl save (a number, or "none" when it never reported), the restore side
    /// (ssh ... xl restore), and whether the supervisor stopped it.</summary>
    public string? SaveExit { get; private set; }
    public int? RestoreExit { get; private set; }
    public bool Stopped { get; private set; }

    /// <summary>What the destination had after the transfer: running, paused, other, absent or unknown.</summary>
    public string? Destination { get; private set; }

    /// <summary>How the move ended (one of the End* constants), null while it runs or when it was killed.</summary>
    public string? End { get; private set; }

    public DateTimeOffset? Started => _phases.Count == 0 ? null : _phases[0].At;

    public DateTimeOffset? Ended { get; private set; }

    /// <summary>Whether the script's process was still alive when the file was read (null: not known).</summary>
    public bool? Alive { get; internal set; }

    public bool IsFinal => End is not null;

    /// <summary>The transfer ended without an error and was not stopped.</summary>
    public bool TransferSucceeded => SaveExit == "0" && RestoreExit == 0 && !Stopped;

    /// <summary>A move still running: no end yet, and its process alive.</summary>
    public bool InProgress => End is null && Alive == true;

    /// <summary>Reads a status file (and the "alive 0|1" line the reading script adds); null when it is not one.</summary>
    public static XenMoveStatus? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var lines = text!.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0 || lines[0] != "xenps-move 1") return null;
        var s = new XenMoveStatus();
        foreach (var line in lines.Skip(1))
        {
            var words = line.Split(' ');
            var key = words[0];
            var rest = words.Skip(1).ToList();
            switch (key)
            {
                case "op" when rest.Count == 1:
                    s.Operation = rest[0];
                    break;
                case "pid" when rest.Count == 1 && Int(rest[0]) is { } pid:
                    s.Pid = pid;
                    break;
                case "domid" when rest.Count == 1 && Int(rest[0]) is { } id:
                    s.DomainId = id;
                    break;
                case "uuid" when rest.Count == 1:
                    s.Uuid = Guid.TryParse(rest[0], out var g) ? g : null;
                    break;
                case "was" when rest.Count == 1:
                    s.WasRunning = rest[0] != "paused";
                    break;
                case "limit" when rest.Count == 1:
                    s.LimitSeconds = Int(rest[0]);
                    break;
                case "phase" when rest.Count >= 1:
                    s._phases.Add((rest[0], Time(rest)));
                    break;
                case "transfer":
                    foreach (var pair in rest.Select(w => w.Split('=')).Where(p => p.Length == 2))
                    {
                        if (pair[0] == "save") s.SaveExit = pair[1];
                        else if (pair[0] == "restore") s.RestoreExit = Int(pair[1]);
                        else if (pair[0] == "stopped") s.Stopped = pair[1] == "1";
                    }
                    break;
                case "destination" when rest.Count >= 1:
                    s.Destination = rest[0];
                    break;
                case "end" when rest.Count >= 1 && Ends.Contains(rest[0]):
                    s.End = rest[0];
                    s.Ended = Time(rest);
                    break;
                case "live" when rest.Count == 1:
                    s.Live = rest[0] == "1";
                    break;
                case "alive" when rest.Count == 1:
                    s.Alive = rest[0] == "1";
                    break;
            }
        }
        return s;
    }

    /// <summary>True for an end in which the guest runs on the destination.</summary>
    public bool MovedToDestination => End is EndDestroyedSource or EndDestroyFailed or EndBothRan;

    /// <summary>What happened, in words, for errors and warnings.</summary>
    public string Describe(string name, string source, string destination)
    {
        var transfer = SaveExit is null && RestoreExit is null
            ? "the transfer never reported"
            : Stopped
                ? $"the transfer was stopped on '{source}' (XenPS went away, or its time limit{(LimitSeconds is { } l ? $" of {l} s" : string.Empty)} passed)"
                : TransferSucceeded
                    ? "the transfer ended without an error"
                    : $"the transfer failed (xl save exit code {SaveExit ?? "none"}, xl restore exit code {RestoreExit?.ToString(CultureInfo.InvariantCulture) ?? "none"})";
        var seen = Destination switch
        {
            "running" => $"'{destination}' runs '{name}'",
            "paused" => $"'{destination}' lists '{name}' paused",
            "other" => $"'{destination}' lists '{name}' (or '{name}--incoming') in a state that is not running: a partly restored copy",
            "absent" => $"'{destination}' does not list '{name}'",
            "unknown" => $"'{source}' could not ask '{destination}' whether it has '{name}'",
            _ => null,
        };
        var id = DomainId?.ToString(CultureInfo.InvariantCulture) ?? "ID";
        var removeSource = $"Stop-XenDomain -Id {id} -ComputerName {source} -Timeout 1 -Force";
        var outcome = End switch
        {
            EndDestroyedSource => $"so the paused original on '{source}' was destroyed: '{name}' now runs on '{destination}' only.",
            EndResumedSource => $"so '{name}' runs on '{source}' again.",
            EndKeptSourcePaused => $"so '{name}' stays on '{source}', paused as it was before.",
            EndDestinationUnknown => $"so '{name}' was left PAUSED on '{source}' (resuming it could run it twice). Check '{destination}' (Get-XenDomain -ComputerName {destination}): if it does not list '{name}', resume it on '{source}' (Resume-XenDomain); if it runs it there, remove the paused copy on '{source}' ({removeSource}).",
            EndDestinationHasCopy => $"so neither copy runs: '{name}' was left PAUSED on '{source}', and '{destination}' has a copy that did not start. Check both (Get-XenDomain -ComputerName {source}, {destination}); remove the copy on '{destination}' (Stop-XenDomain -Timeout 1 -Force) before resuming the one on '{source}', never run both.",
            EndDestroyFailed => $"but the paused original on '{source}' could not be destroyed: '{name}' runs on '{destination}'; remove the paused copy on '{source}' ({removeSource}), never resume it.",
            EndResumeFailed => $"but '{name}' could not be unpaused on '{source}': it is paused there (Resume-XenDomain -Id {id} -ComputerName {source}).",
            EndBothRan => $"but '{name}' had also been resumed on '{source}' (xl save resumes it when its transfer breaks): it was paused there again. It runs on '{destination}'; remove the paused copy on '{source}' ({removeSource}) and check its disks.",
            EndSourceGone => $"and '{source}' no longer lists '{name}': check the logs (Get-XenLog -Name {name} -ComputerName {source}).",
            EndSourceSuspended => $"and the copy on '{source}' is left suspended (xl save was stopped in the middle; xl has no command to resume it): restore it from a checkpoint or start it again.",
            _ => Alive == true
                ? $"and the move is still deciding on '{source}' (process {Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"})."
                : $"and then the move on '{source}' ended without a result (its last phase: {Phase ?? "none"}): '{name}' may be paused on '{source}'; check both hosts before resuming anything.",
        };
        return seen is null ? $"{Capital(transfer)}, {outcome}" : $"{Capital(transfer)}; {seen}, {outcome}";
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

    private static int? Int(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static DateTimeOffset? Time(List<string> rest) =>
        rest.Count >= 2 && long.TryParse(rest[rest.Count - 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
