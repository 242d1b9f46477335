using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Core.Execution;

/// <summary>One program run: the program, its arguments as an array (never a shell string) and limits.</summary>
public sealed class CommandSpec
{
    public CommandSpec(string fileName, IEnumerable<string> arguments)
    {
        if (string.IsNullOrEmpty(fileName)) throw new ArgumentException("A program name is required.", nameof(fileName));
        FileName = fileName;
        Arguments = arguments?.ToArray() ?? throw new ArgumentNullException(nameof(arguments));
    }

    /// <summary>The program: a path, or a bare name that the runner resolves.</summary>
    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Text written to the program's standard input, then closed. Null: no input.</summary>
    public string? StandardInput { get; set; }

    /// <summary>Keeps standard input open after <see cref="StandardInput"/> was written, until the program exits (or is
    /// killed): the program sees its end only when this side goes away. The supervised SSH runs use it as their
    /// lifeline (<see cref="Hosts.SshXenHost"/>).</summary>
    public bool KeepStandardInputOpen { get; set; }

    /// <summary>With <see cref="KeepStandardInputOpen"/>: a cancellation (Ctrl+C or the time limit) ends the input and
    /// leaves the program to finish by itself instead of killing it after the grace period. For a local script that
    /// must complete what it started (the not-live move's decision) even when nobody waits for it any more.</summary>
    public bool LeaveRunningOnCancel { get; set; }

    /// <summary>Killed after this long. Null: no limit.</summary>
    public TimeSpan? Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Called for every line of standard output as it arrives (from a worker thread).</summary>
    public Action<string>? OnStandardOutputLine { get; set; }

    /// <summary>Called for every line of standard error as it arrives (from a worker thread).</summary>
    public Action<string>? OnStandardErrorLine { get; set; }

    /// <summary>The command line for display (Verbose, errors): each argument quoted the POSIX way when needed.</summary>
    public string DisplayText => ShellQuoting.Join(new[] { FileName }.Concat(Arguments));

    public override string ToString() => DisplayText;
}
