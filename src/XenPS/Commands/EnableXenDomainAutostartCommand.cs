using System;
using System.Management.Automation;
using XenPS.Core.Autostart;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Makes guests start when the Dom0 boots (and stop, in reverse order, when it shuts down): links their
/// config in the autostart directory and installs and enables the xendomains rc.d script.</summary>
[Cmdlet(VerbsLifecycle.Enable, "XenDomainAutostart", SupportsShouldProcess = true)]
[OutputType(typeof(XenDomainAutostart))]
public sealed class EnableXenDomainAutostartCommand : XenCmdlet
{
    /// <summary>Guests by name: their configuration files are &lt;config dir&gt;/&lt;name&gt;.cfg.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Start order, 0 to 99: lower starts first and stops last.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 99)]
    public int Order { get; set; } = 50;

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
                Core.XenDomainName.Validate(name);
                var plan = Await(manager.PlanEnableAsync(name, Order, CancelToken));
                if (plan.Steps.Count == 0)
                {
                    WriteVerbose($"{name} already starts at boot on {xl.Host.ComputerName} ({plan.LinkPath}).");
                }
                else
                {
                    var description = string.Join("\n", plan.Steps) + (plan.RcConfDiff is { Length: > 0 } diff ? "\n" + diff : string.Empty);
                    if (!ShouldProcess($"Start {name} at boot on {xl.Host.ComputerName}:\n{description}", $"Start {name} at boot on {xl.Host.ComputerName}?", "Enable-XenDomainAutostart")) continue;
                    Await(manager.EnableAsync(plan, CancelToken));
                }
                if (PassThru) WriteObject(new XenDomainAutostart { ComputerName = xl.Host.ComputerName, Name = name, Order = Order, ConfigPath = plan.ConfigPath, LinkPath = plan.LinkPath, Enabled = true });
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, name);
            }
        }
    });
}
