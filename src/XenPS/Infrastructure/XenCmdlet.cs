using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>One host a cmdlet works on: the host, or why it cannot be used; <see cref="Target"/> names it in errors.</summary>
internal sealed class HostRef
{
    public HostRef(string target, IXenHost? host, Exception? error)
    {
        Target = target;
        Host = host;
        Error = error;
    }

    public string Target { get; }
    public IXenHost? Host { get; }
    public Exception? Error { get; }
}

/// <summary>
/// The base of the cmdlets that work on Xen hosts. Adds -Session (the sessions of Connect-XenHost) next to each
/// cmdlet's own -ComputerName, and turns either into hosts: a name with a session of that name uses the session.
/// Giving both on the command line is an error; a ComputerName that comes from the pipeline (the objects of another
/// XenPS cmdlet) together with -Session selects the session of that name.
/// </summary>
public abstract class XenCmdlet : XenCmdletBase
{
    /// <summary>Sessions opened by Connect-XenHost: the hosts to work on, instead of -ComputerName.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public XenHostSession[]? Session { get; set; }

    protected sealed override void BeginProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(Session)) && bound.ContainsKey("ComputerName"))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("Give -ComputerName or -Session, not both: a session already names its host."),
                "XenSessionAndComputerName", ErrorCategory.InvalidArgument, null));
        }
        Begin();
    }

    /// <summary>What the cmdlet checks or prepares once, before the first record (BeginProcessing).</summary>
    protected virtual void Begin() { }

    /// <summary>The hosts for this record: the sessions, the hosts named (through their sessions when there are), or
    /// this machine when neither is given.</summary>
    internal List<HostRef> ResolveHosts(IEnumerable<string?>? computerNames)
    {
        var names = computerNames?.ToList();
        var result = new List<HostRef>();
        if (Session is { Length: > 0 } sessions)
        {
            if (names is null || names.Count == 0)
            {
                foreach (var s in sessions) result.Add(FromSession(s));
                return result;
            }
            foreach (var name in names)
            {
                var match = sessions.FirstOrDefault(s => string.Equals(s.ComputerName, name?.Trim(), StringComparison.OrdinalIgnoreCase));
                result.Add(match is not null
                    ? FromSession(match)
                    : new HostRef(name ?? LocalXenHost.LocalName, null, new XenException("XenSessionNotFound", XenErrorKind.InvalidArgument,
                        $"The object names the host '{name}', which is not one of the hosts of -Session ({string.Join(", ", sessions.Select(s => s.ComputerName))}).")));
            }
            return result;
        }

        foreach (var name in names is null || names.Count == 0 ? new List<string?> { null } : names)
        {
            try
            {
                result.Add(new HostRef(name ?? LocalXenHost.LocalName, XenHostFactory.Create(name), null));
            }
            catch (ArgumentException ex)
            {
                result.Add(new HostRef(name ?? LocalXenHost.LocalName, null, new XenException("XenInvalidComputerName", XenErrorKind.InvalidArgument, ex.Message, ex)));
            }
        }
        return result;
    }

    private static HostRef FromSession(XenHostSession session) => session.State == XenHostSessionState.Closed
        ? new HostRef(session.ComputerName, null, new XenException("XenSessionClosed", XenErrorKind.InvalidOperation,
            $"The session to '{session.ComputerName}' was closed by Disconnect-XenHost: open a new one with Connect-XenHost."))
        : new HostRef(session.ComputerName, session.Host, null);

    /// <summary>The one host of a cmdlet that works on a single host (New-XenDomU); throws a terminating error when it
    /// cannot be used or when several are given.</summary>
    protected IXenHost ResolveSingleHost(string? computerName)
    {
        var hosts = ResolveHosts(computerName is null ? null : new[] { computerName });
        if (hosts.Count != 1)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"{MyInvocation.MyCommand.Name} works on one host at a time: give one -Session."),
                "XenOneHostOnly", ErrorCategory.InvalidArgument, null));
        }
        if (hosts[0].Error is { } error) ThrowXenError(error, hosts[0].Target);
        return hosts[0].Host!;
    }

    /// <summary>Runs <paramref name="action"/> for each host, one after the other; a host that fails is one
    /// non-terminating error whose target is its name, and the next host is tried.</summary>
    protected void ForEachHost(string[]? computerNames, Action<XlClient> action)
    {
        foreach (var host in ResolveHosts(computerNames))
        {
            if (host.Error is not null)
            {
                WriteXenError(host.Error, host.Target);
                continue;
            }
            try
            {
                action(Xl(host.Host!));
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, host.Target);
            }
        }
    }
}
