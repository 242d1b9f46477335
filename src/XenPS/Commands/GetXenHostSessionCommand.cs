using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the sessions opened by Connect-XenHost, with the state of their master connections.</summary>
[Cmdlet(VerbsCommon.Get, "XenHostSession")]
[OutputType(typeof(XenHostSession))]
public sealed class GetXenHostSessionCommand : XenCmdletBase
{
    /// <summary>The hosts of the sessions to get (wildcards); default: every session.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var sessions = XenHostSessionRegistry.All;
        if (ComputerName is not null)
        {
            foreach (var name in ComputerName.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && sessions.All(s => !string.Equals(s.ComputerName, n, StringComparison.OrdinalIgnoreCase))))
            {
                WriteXenError("XenSessionNotFound", ErrorCategory.ObjectNotFound, $"There is no session to '{name}' (open one with Connect-XenHost).", name);
            }
            var patterns = ComputerName.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            sessions = sessions.Where(s => patterns.Any(p => p.IsMatch(s.ComputerName))).ToList();
        }
        // The state is checked now (ssh -O check is local: it asks the master through its socket).
        Await(System.Threading.Tasks.Task.WhenAll(sessions.Select(s => XenHostSessions.RefreshAsync(s, CancelToken))));
        WriteObject(sessions, enumerateCollection: true);
    }
}
