using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>Limits and callbacks for one run on a host.</summary>
public sealed class HostRunOptions
{
    public static HostRunOptions Default => new();

    public TimeSpan? Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public Action<string>? OnStandardOutputLine { get; set; }

    public Action<string>? OnStandardErrorLine { get; set; }

    /// <summary>Called once with the exact command line, before it runs (the cmdlets write it to Verbose).</summary>
    public Action<string>? OnCommandLine { get; set; }

    /// <summary>A long operation whose remote side must not outlive the wait for it: on an SSH host the work runs under a
    /// watchdog that stops it (its process group) when this run is cancelled or times out, when the connection is lost,
    /// and at the latest a little after <see cref="Timeout"/> by the host's own clock (see RemoteSupervisor). A local
    /// run needs none: the program is killed directly.</summary>
    public bool Supervised { get; set; }

    /// <summary>Keeps the script's standard input open until it ends, without wrapping it: for a script that carries its
    /// own supervisor (the not-live move) and must end with exit. Never for a plain script: sh would wait for more.</summary>
    internal bool HoldInputOpen { get; set; }

    /// <summary>A read-only query (xl list, xl info...), safe to run again: a session's host may send it through its
    /// persistent query shell (<see cref="SshOptions.QueryChannels"/>) instead of a new ssh.</summary>
    public bool Query { get; set; }
}

/// <summary>
/// "A Xen host": where xl and the other tools run and where the config files live. Local, or remote through
/// the system's OpenSSH client. Everything that runs a program goes through <see cref="ICommandRunner"/>.
/// </summary>
public interface IXenHost
{
    /// <summary>The name objects are stamped with: "localhost", or the SSH destination as the user gave it.</summary>
    string ComputerName { get; }

    bool IsLocal { get; }

    /// <summary>Runs <paramref name="tool"/> (resolved on the host) with its arguments as an array.</summary>
    Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, HostRunOptions options, CancellationToken cancellationToken);

    /// <summary>Runs a POSIX sh script on the host (fed to /bin/sh on standard input). Scripts are only ever made by
    /// <see cref="ShellScript"/>, which quotes every word; the command line shown is its redacted text.</summary>
    Task<CommandResult> RunScriptAsync(ShellScript script, HostRunOptions options, CancellationToken cancellationToken);

    /// <summary>The command line as it will run, for Verbose.</summary>
    string Describe(string tool, IReadOnlyList<string> arguments);
}
