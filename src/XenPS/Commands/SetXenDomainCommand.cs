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

    /// <summary>The scheduler weight (credit2/credit: a domain with twice the weight gets twice the CPU under contention).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Weight { get; set; }

    /// <summary>The scheduler cap in percent of one physical CPU (0 removes the cap; 200 = two CPUs).</summary>
    [Parameter]
    [ValidateRange(0, 6400)]
    public int Cap { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly System.Collections.Generic.Dictionary<string, string?> _schedulers = new(StringComparer.OrdinalIgnoreCase);

    protected override string ActionDescription =>
        string.Join(" and ", new[]
        {
            MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB)) ? $"Set memory to {MemoryMB} MiB (xl mem-set)" : null,
            MyInvocation.BoundParameters.ContainsKey(nameof(VCpus)) ? $"Set online vCPUs to {VCpus} (xl vcpu-set)" : null,
            Has(nameof(Weight)) || Has(nameof(Cap)) ? $"Set the scheduler {(Has(nameof(Weight)) ? $"weight to {Weight}" : string.Empty)}{(Has(nameof(Weight)) && Has(nameof(Cap)) ? " and " : string.Empty)}{(Has(nameof(Cap)) ? $"cap to {Cap}%" : string.Empty)} (xl sched-credit2/sched-credit)" : null,
        }.Where(s => s is not null));

    protected override bool AllowsDomain0 => true;

    protected override bool EmitResult => PassThru;

    protected override void Validate()
    {
        if (!Has(nameof(MemoryMB)) && !Has(nameof(VCpus)) && !Has(nameof(Weight)) && !Has(nameof(Cap)))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -MemoryMB, -VCpus, -Weight or -Cap: there is nothing to change."),
                "XenNothingToSet", ErrorCategory.InvalidArgument, null));
        }
    }

    private bool Has(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB))) Await(xl.MemSetAsync(domain, MemoryMB, CancelToken));
        if (MyInvocation.BoundParameters.ContainsKey(nameof(VCpus))) Await(xl.VcpuSetAsync(domain, VCpus, CancelToken));
        if (Has(nameof(Weight)) || Has(nameof(Cap)))
        {
            if (!_schedulers.TryGetValue(xl.Host.ComputerName, out var scheduler))
            {
                scheduler = Await(xl.InfoAsync(CancelToken)).Scheduler;
                _schedulers[xl.Host.ComputerName] = scheduler;
            }
            Await(xl.SchedSetAsync(domain, scheduler ?? "credit2", Has(nameof(Weight)) ? Weight : null, Has(nameof(Cap)) ? Cap : null, CancelToken));
        }
        return null;
    }
}
