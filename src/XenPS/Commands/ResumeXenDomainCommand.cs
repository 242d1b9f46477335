using System.Management.Automation;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Unpauses domains (xl unpause).</summary>
[Cmdlet(VerbsLifecycle.Resume, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class ResumeXenDomainCommand : XenDomainActionCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => "Unpause (xl unpause)";

    protected override bool EmitResult => PassThru;

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        Await(xl.UnpauseAsync(domain, CancelToken));
        return null;
    }
}
