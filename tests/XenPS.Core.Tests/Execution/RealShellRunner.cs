using XenPS.Core.Execution;

namespace XenPS.Core.Tests.Execution;

/// <summary>Runs "sh" as the shell under test (<see cref="ShellSandbox.Shells"/>) and every other program from PATH,
/// through the REAL command runner (so that a held-open standard input is a real lifeline), with the stand-in
/// directory <paramref name="bin"/> first on PATH and the given variables set.</summary>
internal sealed class RealShellRunner(string shell, string bin, IReadOnlyDictionary<string, string> environment) : ICommandRunner
{
    /// <summary>The shell's argv, started with SIGPIPE at its default action, as sshd starts a remote command: a .NET
    /// process ignores SIGPIPE and its children inherit that, which would hide a script that dies by SIGPIPE when its
    /// session's output is gone.</summary>
    public static string[] Argv(string shell) =>
        new[] { "env", "--default-signal=PIPE" }.Concat(
            shell == "sh" ? new[] { "/bin/sh" } : new[] { ShellSandbox.RealTool("busybox", "BusyBox is not installed: apt-get install busybox (.ci/run installs it)."), "ash" }).ToArray();

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        var argv = Argv(shell);
        var real = spec.FileName == "sh"
            ? new CommandSpec(argv[0], argv.Skip(1).Concat(spec.Arguments))
            : new CommandSpec(spec.FileName, spec.Arguments);
        real.StandardInput = spec.StandardInput;
        real.KeepStandardInputOpen = spec.KeepStandardInputOpen;
        real.LeaveRunningOnCancel = spec.LeaveRunningOnCancel;
        real.Timeout = spec.Timeout;
        real.OnStandardOutputLine = spec.OnStandardOutputLine;
        real.OnStandardErrorLine = spec.OnStandardErrorLine;
        real.Environment["PATH"] = bin + ":/usr/bin:/bin:/usr/sbin:/sbin";
        foreach (var kv in environment) real.Environment[kv.Key] = kv.Value;
        return CliWrapCommandRunner.Instance.RunAsync(real, cancellationToken);
    }
}
