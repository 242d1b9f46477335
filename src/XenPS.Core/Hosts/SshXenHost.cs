using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>Options for the OpenSSH client. The user's ~/.ssh/config, agent and known_hosts are honoured.</summary>
public sealed class SshOptions
{
    /// <summary>An ssh_config file passed with -F (default: $env:XENPS_SSH_CONFIG, else the user's own config).</summary>
    public string? ConfigFile { get; set; } = Environment.GetEnvironmentVariable("XENPS_SSH_CONFIG") is { Length: > 0 } f ? f : null;

    public string? IdentityFile { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the shared master connection outlives its last use.</summary>
    public TimeSpan ControlPersist { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Where master connection sockets live (default: $env:XENPS_SSH_CONTROL_DIR, else $XDG_RUNTIME_DIR/xenps-ssh,
    /// else xenps-ssh-UID in the temporary folder). It must be a private folder of the current user
    /// (<see cref="SshControlDirectory.Ensure"/>): checked, or created with mode 0700, before ssh runs.</summary>
    public string ControlDirectory { get; set; } = Environment.GetEnvironmentVariable("XENPS_SSH_CONTROL_DIR") is { Length: > 0 } d
        ? d
        : SshControlDirectory.DefaultPath();

    /// <summary>Read-only queries (<see cref="HostRunOptions.Query"/>) go through persistent remote shells
    /// (<see cref="SshQueryChannel"/>) that outlive one call: a query then costs no new ssh process and no new SSH session.
    /// Set for the sessions of Connect-XenHost, whose hosts live as long as the session.</summary>
    public bool QueryChannels { get; set; }
}

/// <summary>
/// A Xen host reached through the system's OpenSSH client: BatchMode (never a prompt), host keys checked against
/// known_hosts, one shared master connection per host (ControlMaster/ControlPersist). The remote login shell only
/// ever sees "/bin/sh -s"; the real work is a POSIX sh script sent on standard input with every argument single-quoted,
/// so it works whatever the login shell is (sh, csh on FreeBSD 13, bash) and no argument is ever re-parsed.
/// </summary>
public sealed class SshXenHost : IXenHost
{
    /// <summary>Appended to PATH on the remote side: a non-login ssh session on FreeBSD may lack /usr/local/sbin (xl).</summary>
    internal static ShellScript PathPrelude => ShellScript.Of($"PATH=\"$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin\"; export PATH");

    private static readonly Regex SshFailure = new(
        @"^ssh: |Could not resolve hostname|Connection refused|Connection timed out|No route to host|Host key verification failed|" +
        @"Permission denied \(|kex_exchange_identification|Connection closed by|Connection reset by|banner exchange|" +
        @"REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known|Too many authentication failures|Bad configuration option|" +
        @"Can't open user config file|Network is unreachable|Operation timed out",
        RegexOptions.Multiline | RegexOptions.CultureInvariant);

    private static readonly Regex SafeToolName = new(@"^[A-Za-z0-9_./+-]+$", RegexOptions.CultureInvariant);

    private readonly ICommandRunner _runner;

    public SshXenHost(SshTarget target, SshOptions? options = null, ICommandRunner? runner = null, string? computerName = null)
    {
        Target = target;
        Options = options ?? new SshOptions();
        _runner = runner ?? CliWrapCommandRunner.Instance;
        ComputerName = computerName ?? target.ToString();
    }

    public SshTarget Target { get; }

    public SshOptions Options { get; }

    public string ComputerName { get; }

    public bool IsLocal => false;

    public string Describe(string tool, IReadOnlyList<string> arguments) =>
        $"[{ComputerName}] {ShellQuoting.Join(new[] { tool }.Concat(arguments))}";

    public async Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, HostRunOptions options, CancellationToken cancellationToken)
    {
        options.OnCommandLine?.Invoke(Describe(tool, arguments));
        var script = BuildExecScript(tool, arguments);
        // A single program: when supervised, its helpers (xl migrate's ssh transport, libxl's save helper) are stopped
        // first, so that it fails as when its transport breaks and cleans up after itself.
        if (options.Supervised) script = PathPrelude.Append(RemoteSupervisor.Wrap(script, options.Timeout, RemoteStopMode.ChildrenFirst));
        var result = UsesChannel(options)
            ? await RunQueryAsync(script, Describe(tool, arguments), options, cancellationToken).ConfigureAwait(false)
            : await RunRawAsync(script, options, cancellationToken).ConfigureAwait(false);
        return new CommandResult(tool, arguments.ToArray(), result.ExitCode, result.StandardOutput, result.StandardError, result.Duration);
    }

    public Task<CommandResult> RunScriptAsync(ShellScript script, HostRunOptions options, CancellationToken cancellationToken)
    {
        options.OnCommandLine?.Invoke($"[{ComputerName}] sh -s <<script\n{script.DisplayText.TrimEnd('\n')}\nscript");
        var work = PathPrelude.Append(script);
        if (options.Supervised) work = PathPrelude.Append(RemoteSupervisor.Wrap(work, options.Timeout, RemoteStopMode.Group));
        return UsesChannel(options)
            ? RunQueryAsync(work, $"[{ComputerName}] sh -s", options, cancellationToken)
            : RunRawAsync(work, options, cancellationToken);
    }

    /// <summary>The script that runs one tool: PATH fix-up, a clear marker when the tool is missing, then exec.</summary>
    /// <summary>The tool's standard input is /dev/null: the script itself arrives on sh's standard input, and a tool
    /// that read it would eat the rest of the script.</summary>
    internal static ShellScript BuildExecScript(string tool, IReadOnlyList<string> arguments)
    {
        if (!SafeToolName.IsMatch(tool) || tool[0] == '-') throw new ArgumentException($"'{tool}' is not a program name.", nameof(tool));
        return PathPrelude
            .Line($"command -v {tool} >/dev/null 2>&1 || {{ printf '%s\\n' {"xenps: " + tool + ": not found on this host"} >&2; exit 127; }}")
            .Line($"exec {ShellScript.Words(new[] { tool }.Concat(arguments))} </dev/null");
    }

    /// <summary>The ssh argument list that runs /bin/sh -s on the host. The remote command is always that: ssh joins
    /// the words after the destination into one line for the remote login shell, so anything else would be shell text
    /// (scripts travel on standard input, built by <see cref="ShellScript"/>).</summary>
    public IReadOnlyList<string> BuildSshArguments()
    {
        var args = new List<string>
        {
            "-T",
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=" + ((int)Math.Ceiling(Options.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            "-o", "ControlMaster=auto",
            "-o", "ControlPath=" + ControlPath,
            "-o", "ControlPersist=" + ((int)Math.Ceiling(Options.ControlPersist.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        };
        if (Options.ConfigFile is not null) { args.Add("-F"); args.Add(Options.ConfigFile); }
        if (Target.Port is { } port) { args.Add("-p"); args.Add(port.ToString(CultureInfo.InvariantCulture)); }
        if (Options.IdentityFile is not null)
        {
            args.Add("-i"); args.Add(Options.IdentityFile);
            args.Add("-o"); args.Add("IdentitiesOnly=yes");
        }
        args.Add("--");
        args.Add(Target.Destination);
        args.Add("/bin/sh");
        args.Add("-s");
        return args;
    }

    /// <summary>The master socket path; %C is ssh's hash of local host, remote host, port and user.</summary>
    public string ControlPath => Path.Combine(Options.ControlDirectory, "%C");

    /// <summary>True when a master connection is up for this host (ssh -O check).</summary>
    public async Task<bool> CheckMasterAsync(CancellationToken cancellationToken)
    {
        var args = BuildSshArguments().TakeWhile(a => a != "--").Concat(new[] { "-O", "check", "--", Target.Destination }).ToArray();
        EnsureControlDirectory();
        try
        {
            var result = await _runner.RunAsync(new CommandSpec("ssh", args) { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken).ConfigureAwait(false);
            return result.ExitCode == 0;
        }
        catch (XenException)
        {
            return false;
        }
    }

    /// <summary>Closes the query channels and the shared master connection, if one is up.</summary>
    public async Task CloseMasterAsync(CancellationToken cancellationToken)
    {
        CloseChannels();
        var args = BuildSshArguments().TakeWhile(a => a != "--").Concat(new[] { "-O", "exit", "--", Target.Destination }).ToArray();
        EnsureControlDirectory();
        try
        {
            await _runner.RunAsync(new CommandSpec("ssh", args) { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken).ConfigureAwait(false);
        }
        catch (XenException)
        {
            // nothing to close
        }
    }

    private async Task<CommandResult> RunRawAsync(ShellScript script, HostRunOptions options, CancellationToken cancellationToken)
    {
        EnsureControlDirectory();
        var spec = new CommandSpec("ssh", BuildSshArguments())
        {
            StandardInput = script.Text,
            KeepStandardInputOpen = options.Supervised || options.HoldInputOpen,
            Timeout = options.Timeout,
            OnStandardOutputLine = options.OnStandardOutputLine,
            OnStandardErrorLine = options.OnStandardErrorLine,
        };
        CommandResult result;
        try
        {
            result = await _runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (XenException ex)
        {
            ex.ComputerName = ComputerName;
            throw;
        }

        if (result.ExitCode == 255 && SshFailure.IsMatch(result.StandardError))
            throw new XenHostUnreachableException(ComputerName, FirstLines(result.StandardError));
        return result;
    }

    private void EnsureControlDirectory()
    {
        try
        {
            SshControlDirectory.Ensure(Options.ControlDirectory);
        }
        catch (XenException ex)
        {
            ex.ComputerName = ComputerName;
            throw;
        }
    }

    private readonly ConcurrentBag<SshQueryChannel> _channels = new();

    /// <summary>How many idle query channels a host keeps (more are open only while queries run at the same time).</summary>
    private const int IdleChannels = 2;

    private bool UsesChannel(HostRunOptions options) =>
        Options.QueryChannels && options.Query && !options.Supervised && !options.HoldInputOpen &&
        options.OnStandardOutputLine is null && options.OnStandardErrorLine is null;

    /// <summary>Runs a read-only query through an idle query channel, or a new one. A channel that ended before it
    /// answered (its connection went away while idle) is dropped and the query sent once more through a new one; when
    /// no channel can be opened the query runs on its own, which reports why the host cannot be reached.</summary>
    private async Task<CommandResult> RunQueryAsync(ShellScript script, string display, HostRunOptions options, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? Left() => options.Timeout is { } t ? (t > watch.Elapsed ? t - watch.Elapsed : TimeSpan.Zero) : null;
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var fresh = false;
                if (!TryTakeChannel(out var channel))
                {
                    EnsureControlDirectory();
                    channel = await SshQueryChannel.OpenAsync("ssh", BuildSshArguments(), PathPrelude, Left(), cancellationToken).ConfigureAwait(false);
                    if (channel is null) break;
                    fresh = true;
                }
                var result = await channel.RunAsync(script.Text, display, Left(), cancellationToken).ConfigureAwait(false);
                if (result is not null)
                {
                    ReturnChannel(channel);
                    return new CommandResult("ssh", BuildSshArguments().ToArray(), result.ExitCode, result.StandardOutput, result.StandardError, watch.Elapsed);
                }
                channel.Dispose();
                if (fresh) break;
            }
        }
        catch (XenException ex)
        {
            ex.ComputerName = ComputerName;
            throw;
        }
        return await RunRawAsync(script, new HostRunOptions { Timeout = Left(), Query = options.Query }, cancellationToken).ConfigureAwait(false);
    }

    private bool TryTakeChannel(out SshQueryChannel channel)
    {
        while (_channels.TryTake(out channel!))
        {
            if (!channel.IsClosed) return true;
        }
        return false;
    }

    private void ReturnChannel(SshQueryChannel channel)
    {
        if (_channels.Count >= IdleChannels)
        {
            channel.Dispose();
            return;
        }
        // Like the master connection: closed once unused for ControlPersist (the channel keeps the master in use).
        channel.CloseWhenIdleFor(Options.ControlPersist);
        _channels.Add(channel);
    }

    private void CloseChannels()
    {
        while (_channels.TryTake(out var channel)) channel.Dispose();
    }

    private static string FirstLines(string text) =>
        string.Join(" ", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(3));
}
