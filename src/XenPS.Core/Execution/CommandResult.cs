using System;
using System.Collections.Generic;

namespace XenPS.Core.Execution;

/// <summary>What a finished program run gave back.</summary>
public sealed class CommandResult
{
    public CommandResult(string fileName, IReadOnlyList<string> arguments, int exitCode, string standardOutput, string standardError, TimeSpan duration)
    {
        FileName = fileName;
        Arguments = arguments;
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
        Duration = duration;
    }

    public string FileName { get; }
    public IReadOnlyList<string> Arguments { get; }
    public int ExitCode { get; }
    public string StandardOutput { get; }
    public string StandardError { get; }
    public TimeSpan Duration { get; }
    public bool Succeeded => ExitCode == 0;
}
