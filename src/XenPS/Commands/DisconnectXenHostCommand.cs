using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Closes sessions: their SSH master connections end (ssh -O exit) and they leave the registry.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "XenHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SessionSet)]
[OutputType(typeof(XenHostSession))]
public sealed class DisconnectXenHostCommand : XenCmdletBase
{
    private const string SessionSet = "Session";
    private const string NameSet = "ComputerName";

    /// <summary>The sessions to close (from Connect-XenHost or Get-XenHostSession).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SessionSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public XenHostSession[]? Session { get; set; }

    /// <summary>The hosts whose sessions to close (wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>Also return the closed sessions.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var sessions = new List<XenHostSession>();
        if (Session is not null)
        {
            sessions.AddRange(Session);
        }
        else
        {
            foreach (var name in ComputerName!)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = XenHostSessionRegistry.All.Where(s => pattern.IsMatch(s.ComputerName)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    WriteXenError("XenSessionNotFound", ErrorCategory.ObjectNotFound, $"There is no session to '{name}'.", name);
                sessions.AddRange(matches);
            }
        }

        foreach (var session in sessions.Distinct())
        {
            if (!ShouldProcess($"{session.ComputerName} ({session.Host.Target})", "Close the SSH master connection (ssh -O exit)")) continue;
            try
            {
                Await(XenHostSessions.CloseAsync(session, CancelToken));
                WriteVerbose($"Closed the session to {session.ComputerName}.");
                if (PassThru) WriteObject(session);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, session.ComputerName);
            }
        }
    }
}
