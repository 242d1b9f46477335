using System;
using System.Globalization;
using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Pins virtual CPUs of running domains to physical CPUs (xl vcpu-pin): the hard affinity (where the vCPU may
/// run) and, on credit/credit2, the soft affinity (where it prefers to run).</summary>
[Cmdlet(VerbsCommon.Set, "XenVCpu", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenVCpu))]
public sealed class SetXenVCpuCommand : XenDomainActionCmdlet
{
    /// <summary>The vCPU number, or all.</summary>
    [Parameter(Mandatory = true)]
    [ValidatePattern("^(all|[0-9]{1,4})$")]
    public string VCpu { get; set; } = "all";

    /// <summary>The hard affinity: physical CPUs as xl reads them: all, 0-3, 0,2, ^1 (leave out CPU 1).</summary>
    [Parameter]
    [Alias("HardAffinity")]
    [ValidateNotNullOrEmpty]
    public string? Affinity { get; set; }

    /// <summary>The soft affinity (same format).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SoftAffinity { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool AllowsDomain0 => true;

    protected override string ActionDescription =>
        $"Pin vCPU {VCpu} to {(Affinity is null ? "(hard unchanged)" : "hard " + Affinity)}{(SoftAffinity is null ? string.Empty : ", soft " + SoftAffinity)} (xl vcpu-pin)";

    protected override void Validate()
    {
        if (Affinity is null && SoftAffinity is null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Affinity, -SoftAffinity or both: there is nothing to pin."), "XenNothingToSet", ErrorCategory.InvalidArgument, null));
        }
        try
        {
            if (Affinity is not null) XenDeviceNames.ValidateCpuList(Affinity, "hard");
            if (SoftAffinity is not null) XenDeviceNames.ValidateCpuList(SoftAffinity, "soft");
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, Affinity ?? SoftAffinity);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        int? vcpu = VCpu == "all" ? null : int.Parse(VCpu, CultureInfo.InvariantCulture);
        // "-" leaves that affinity as it is (xl vcpu-pin's own convention)
        Await(xl.VcpuPinAsync(domain, vcpu, Affinity ?? "-", SoftAffinity ?? "-", CancelToken));
        if (PassThru)
        {
            foreach (var v in Await(xl.VcpuListAsync(new[] { XlClient.IdArgument(domain.Id) }, CancelToken)))
            {
                if (vcpu is null || v.VCpu == vcpu) WriteObject(v);
            }
        }
        return null;
    }
}
