using System;
using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Detaches a network interface from running domains (xl network-detach, by index), chosen by MAC address or
/// index. -Persist also removes it from the guest's config file.</summary>
[Cmdlet(VerbsCommon.Remove, "XenNetworkAdapter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenNetworkAdapter))]
public sealed class RemoveXenNetworkAdapterCommand : XenDomainActionCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mac")]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    /// <summary>The interface's index (DevId of Get-XenNetworkAdapter).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 65535)]
    public int? DevId { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription =>
        $"Detach the network interface {(MacAddress ?? "with index " + DevId)} (xl network-detach{(Persist ? "; and remove it from the config file" : string.Empty)})";

    protected override void Validate()
    {
        if (MacAddress is null && DevId is null && !MyInvocation.ExpectingInput)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give the interface as -MacAddress or -DevId."), "XenNicMissing", ErrorCategory.InvalidArgument, null));
        }
        try
        {
            if (MacAddress is not null) XenDeviceNames.ValidateMac(MacAddress);
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, MacAddress);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        if (MacAddress is null && DevId is null) throw new ArgumentException("Give the interface as -MacAddress or -DevId.");
        var ops = new XenDeviceOperations(xl);
        var nic = Await(ops.FindAdapterAsync(domain, MacAddress, DevId, CancelToken));
        AwaitWithProgress(ops.DetachNetworkAsync(domain, nic, Persist, CancelToken), $"Detaching {nic.MacAddress} from {domain.Name}", "xl network-detach", null);
        if (PassThru) WriteObject(nic);
        return null;
    }
}
