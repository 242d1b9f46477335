using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Opens a session to each host: an OpenSSH master connection that every later call to that host reuses.</summary>
[Cmdlet(VerbsCommunications.Connect, "XenHost")]
[OutputType(typeof(XenHostSession))]
public sealed class ConnectXenHostCommand : XenCmdletBase
{
    /// <summary>The hosts: names or ssh_config aliases, user@host, host:port.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[] ComputerName { get; set; } = Array.Empty<string>();

    /// <summary>The remote user (default: what ssh_config says, else your local user name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>The SSH port (default: what ssh_config says, else 22).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>A private key file on this machine (ssh -i, with IdentitiesOnly).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>How many hosts are connected at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>How long each host may take to connect, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 30;

    private string? _identityFile;

    protected override void BeginProcessing()
    {
        if (IdentityFile is null) return;
        _identityFile = GetUnresolvedProviderPathFromPSPath(IdentityFile);
        if (!File.Exists(_identityFile))
        {
            ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The identity file '{_identityFile}' does not exist.", _identityFile),
                "XenIdentityFileNotFound", ErrorCategory.ObjectNotFound, IdentityFile));
        }
    }

    protected override void ProcessRecord()
    {
        var port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : (int?)null;
        var sessions = ComputerName.Select(name =>
        {
            try
            {
                return (Name: name, Session: XenHostSessions.Create(name, User, port, _identityFile), Error: (Exception?)null);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is XenException)
            {
                return (Name: name, Session: (XenHostSession?)null, Error: ex is XenException ? ex : new XenException("XenInvalidComputerName", XenErrorKind.InvalidArgument, ex.Message, ex));
            }
        }).ToList();

        RunParallel(sessions, s => s.Name, s => s.Error, async (s, ct) =>
        {
            var session = s.Session!;
            Output.WriteVerbose($"Opening an SSH master connection to {session.ComputerName} ({ShellQuoting.Join(session.Host.BuildSshArguments())})");
            await XenHostSessions.OpenAsync(session, TimeSpan.FromSeconds(TimeoutSec), ct).ConfigureAwait(false);
            // A new session replaces the one of the same name; that one's master is closed when it went elsewhere.
            if (XenHostSessionRegistry.Register(session) is { } replaced)
            {
                replaced.State = XenHostSessionState.Closed;
                if (replaced.HostName != session.HostName || replaced.User != session.User || replaced.Port != session.Port)
                    await replaced.Host.CloseMasterAsync(ct).ConfigureAwait(false);
            }
            Post(() => WriteObject(session));
        }, ThrottleLimit, TimeSpan.FromSeconds(TimeoutSec), "-TimeoutSec");
    }
}
