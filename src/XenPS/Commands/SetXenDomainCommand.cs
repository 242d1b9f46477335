using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Changes the memory (xl mem-set) or the online vCPUs (xl vcpu-set) of running domains.</summary>
[Cmdlet(VerbsCommon.Set, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class SetXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>The new memory target in MiB (the balloon driver gives memory back or takes it, up to maxmem).</summary>
    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int MemoryMB { get; set; }

    /// <summary>The number of online vCPUs (up to the domain's maxvcpus).</summary>
    [Parameter]
    [ValidateRange(1, 512)]
    public int VCpus { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription =>
        string.Join(" and ", new[]
        {
            MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB)) ? $"Set memory to {MemoryMB} MiB (xl mem-set)" : null,
            MyInvocation.BoundParameters.ContainsKey(nameof(VCpus)) ? $"Set online vCPUs to {VCpus} (xl vcpu-set)" : null,
        }.Where(s => s is not null));

    protected override bool AllowsDomain0 => true;

    protected override bool EmitResult => PassThru;

    protected override void Validate()
    {
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB)) && !MyInvocation.BoundParameters.ContainsKey(nameof(VCpus)))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -MemoryMB, -VCpus or both: there is nothing to change."),
                "XenNothingToSet", ErrorCategory.InvalidArgument, null));
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB))) Await(xl.MemSetAsync(domain, MemoryMB, CancelToken));
        if (MyInvocation.BoundParameters.ContainsKey(nameof(VCpus))) Await(xl.VcpuSetAsync(domain, VCpus, CancelToken));
        return null;
    }
}
