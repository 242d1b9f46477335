using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Autostart;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Stops guests from starting at boot: removes their links from the autostart directory (their
/// configuration files and the rc.d script stay).</summary>
[Cmdlet(VerbsLifecycle.Disable, "XenDomainAutostart", SupportsShouldProcess = true)]
[OutputType(typeof(XenDomainAutostart))]
public sealed class DisableXenDomainAutostartCommand : XenCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var manager = new XenAutostartManager(xl.Host, Output);
        foreach (var name in Name)
        {
            try
            {
                var links = Await(manager.DisableAsync(name, whatIf: true, CancelToken));
                if (links.Count == 0)
                {
                    WriteVerbose($"{name} does not start at boot on {xl.Host.ComputerName}: nothing to do.");
                    continue;
                }
                if (!ShouldProcess($"{name} on {xl.Host.ComputerName} ({string.Join(", ", links.Select(l => l.LinkPath))})", "Stop starting at boot")) continue;
                var removed = Await(manager.DisableAsync(name, whatIf: false, CancelToken));
                if (PassThru) WriteObject(removed, enumerateCollection: true);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, name);
            }
        }
    });
}
