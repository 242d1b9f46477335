using System.Management.Automation;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Pauses domains (xl pause): their vCPUs stop running; memory and devices stay.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class SuspendXenDomainCommand : XenDomainActionCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => "Pause (xl pause)";

    protected override bool EmitResult => PassThru;

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        Await(xl.PauseAsync(domain, CancelToken));
        return null;
    }
}
