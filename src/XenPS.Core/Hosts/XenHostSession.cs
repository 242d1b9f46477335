using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS;

/// <summary>The state of a <see cref="XenHostSession"/>.</summary>
public enum XenHostSessionState
{
    /// <summary>The master connection is up (as last checked).</summary>
    Opened,

    /// <summary>The master connection has gone (idle longer than ControlPersist, or the host went away). The next
    /// call opens a new one through the same socket: the session can still be used.</summary>
    Idle,

    /// <summary>Disconnect-XenHost closed it; it can no longer be used.</summary>
    Closed,
}

/// <summary>
/// A connection to one Xen host: an OpenSSH master connection (ControlMaster/ControlPersist) that every later xl call
/// to that host goes through, so a hundred calls cost one SSH handshake. Made by Connect-XenHost, listed by
/// Get-XenHostSession, closed by Disconnect-XenHost. Sessions are kept in a registry of the process, by
/// <see cref="ComputerName"/>: a cmdlet given -ComputerName NAME uses the session of that name when there is one.
/// </summary>
public sealed class XenHostSession
{
    internal XenHostSession(string computerName, SshXenHost host)
    {
        ComputerName = computerName;
        Host = host;
        OpenedAt = DateTime.Now;
    }

    /// <summary>The name the session is known by, and the ComputerName every object read through it carries.</summary>
    public string ComputerName { get; }

    /// <summary>The SSH host name or ssh_config alias.</summary>
    public string HostName => Host.Target.Host;

    /// <summary>The remote user (null: the one ssh_config or the local user name gives).</summary>
    public string? User => Host.Target.User;

    /// <summary>The SSH port (null: the one ssh_config gives, else 22).</summary>
    public int? Port => Host.Target.Port;

    /// <summary>The private key file on this machine (null: the agent and ssh_config decide).</summary>
    public string? IdentityFile => Host.Options.IdentityFile;

    /// <summary>The ssh_config file in use (-F), when not the user's own.</summary>
    public string? ConfigFile => Host.Options.ConfigFile;

    /// <summary>The master socket (ssh expands %C to a hash of the local host, remote host, port and user).</summary>
    public string ControlPath => Host.ControlPath;

    public XenHostSessionState State { get; internal set; } = XenHostSessionState.Opened;

    public DateTime OpenedAt { get; }

    /// <summary>The host's operating system (uname -s), read when the session opened.</summary>
    public string? OperatingSystem { get; internal set; }

    internal SshXenHost Host { get; }

    public override string ToString() => ComputerName;
}

/// <summary>The sessions of this process, by ComputerName (not case-sensitive).</summary>
public static class XenHostSessionRegistry
{
    private static readonly ConcurrentDictionary<string, XenHostSession> Sessions = new(StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<XenHostSession> All => Sessions.Values.OrderBy(s => s.OpenedAt).ToList();

    public static XenHostSession? Find(string? computerName) =>
        computerName is not null && Sessions.TryGetValue(computerName.Trim(), out var s) ? s : null;

    /// <summary>Registers a session, replacing (and returning) the one of the same name.</summary>
    public static XenHostSession? Register(XenHostSession session)
    {
        XenHostSession? old = null;
        Sessions.AddOrUpdate(session.ComputerName, session, (_, existing) =>
        {
            old = existing;
            return session;
        });
        return ReferenceEquals(old, session) ? null : old;
    }

    /// <summary>Removes a session (only that object: a newer session of the same name stays).</summary>
    public static bool Remove(XenHostSession session) =>
        ((ICollection<KeyValuePair<string, XenHostSession>>)Sessions).Remove(new KeyValuePair<string, XenHostSession>(session.ComputerName, session));
}

/// <summary>Opens, checks and closes sessions.</summary>
public static class XenHostSessions
{
    /// <summary>Builds a session (not yet opened). <paramref name="computerName"/> takes the -ComputerName syntax
    /// (host, user@host, host:port); <paramref name="user"/> and <paramref name="port"/> fill what it leaves out and
    /// must agree with what it gives.</summary>
    public static XenHostSession Create(string computerName, string? user, int? port, string? identityFile, ICommandRunner? runner = null)
    {
        if (XenHostFactory.IsLocal(computerName))
            throw new XenException("XenSessionLocal", XenErrorKind.InvalidArgument, $"'{computerName}' is this machine: a session is for a remote host reached over SSH.");
        var parsed = SshTarget.Parse(computerName);
        if (user is not null && parsed.User is not null && !string.Equals(user, parsed.User, StringComparison.Ordinal))
            throw new XenException("XenInvalidArgumentCombination", XenErrorKind.InvalidArgument, $"'{computerName}' names the user '{parsed.User}', and -User says '{user}'.");
        if (port is not null && parsed.Port is not null && port != parsed.Port)
            throw new XenException("XenInvalidArgumentCombination", XenErrorKind.InvalidArgument, $"'{computerName}' names the port {parsed.Port}, and -Port says {port}.");
        var target = new SshTarget(parsed.Host, user ?? parsed.User, port ?? parsed.Port);
        var options = new SshOptions { IdentityFile = identityFile, QueryChannels = true };
        return new XenHostSession(computerName.Trim(), new SshXenHost(target, options, runner, computerName.Trim()));
    }

    /// <summary>Opens the master connection at once (so an unreachable host fails here) and reads the host's OS.</summary>
    public static async Task OpenAsync(XenHostSession session, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await session.Host.RunScriptAsync(ShellScript.Of($"uname -s"), new HostRunOptions { Timeout = timeout }, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new XenException("XenSessionOpenFailed", XenErrorKind.ConnectionError,
                $"Connected to '{session.ComputerName}', but the remote shell failed (exit code {result.ExitCode}): {XenPS.Core.Xl.XlErrorClassifier.Summarize(result.StandardError)}")
            { ComputerName = session.ComputerName };
        }
        session.OperatingSystem = result.StandardOutput.Trim();
        XenPaths.Remember(session.ComputerName, session.OperatingSystem);
        session.State = await session.Host.CheckMasterAsync(cancellationToken).ConfigureAwait(false) ? XenHostSessionState.Opened : XenHostSessionState.Idle;
    }

    /// <summary>Refreshes <see cref="XenHostSession.State"/> (ssh -O check) unless the session is closed.</summary>
    public static async Task RefreshAsync(XenHostSession session, CancellationToken cancellationToken)
    {
        if (session.State == XenHostSessionState.Closed) return;
        session.State = await session.Host.CheckMasterAsync(cancellationToken).ConfigureAwait(false) ? XenHostSessionState.Opened : XenHostSessionState.Idle;
    }

    /// <summary>Closes the master connection (ssh -O exit) and unregisters the session.</summary>
    public static async Task CloseAsync(XenHostSession session, CancellationToken cancellationToken)
    {
        XenHostSessionRegistry.Remove(session);
        session.State = XenHostSessionState.Closed;
        await session.Host.CloseMasterAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A host given by name or by session (Move-XenDomain -Destination): a string, a
/// <see cref="XenHostSession"/> or a <see cref="XenHost"/> (Get-XenHost) all convert to it.</summary>
public sealed class XenHostIdentity
{
    public XenHostIdentity(string computerName)
    {
        if (string.IsNullOrWhiteSpace(computerName)) throw new ArgumentException("The host name is empty.", nameof(computerName));
        ComputerName = computerName.Trim();
    }

    public XenHostIdentity(XenHostSession session)
    {
        Session = session ?? throw new ArgumentNullException(nameof(session));
        ComputerName = session.ComputerName;
    }

    public XenHostIdentity(XenHost host)
        : this((host ?? throw new ArgumentNullException(nameof(host))).ComputerName)
    {
    }

    public string ComputerName { get; }

    /// <summary>The session, when the host was given as one.</summary>
    public XenHostSession? Session { get; }

    /// <summary>The host: the session's, else the one <see cref="XenHostFactory"/> makes of the name.</summary>
    public IXenHost Resolve()
    {
        if (Session is { State: XenHostSessionState.Closed })
            throw new XenException("XenSessionClosed", XenErrorKind.InvalidOperation, $"The session to '{ComputerName}' was closed by Disconnect-XenHost: open a new one with Connect-XenHost.");
        return Session?.Host ?? XenHostFactory.Create(ComputerName);
    }

    public override string ToString() => ComputerName;
}
