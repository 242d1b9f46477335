using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Attaches a network interface to running domains (xl network-attach) on a bridge, with a MAC address
/// (a new one in Xen's 00:16:3e range when not given). A failed attach is cleaned up: xl leaves the vif behind, and it
/// is detached. -Persist also adds the interface to the guest's config file.</summary>
[Cmdlet(VerbsCommon.Add, "XenNetworkAdapter", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenNetworkAdapter))]
public sealed class AddXenNetworkAdapterCommand : XenDomainActionCmdlet
{
    /// <summary>The bridge on the host (e.g. bridge0); xl's default (xenbr0) when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bridge { get; set; }

    /// <summary>Six hexadecimal octets, e.g. 00:16:3e:12:34:56.</summary>
    [Parameter]
    [Alias("Mac")]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string? _mac;

    protected override string ActionDescription =>
        $"Attach a network interface {_mac}{(Bridge is null ? string.Empty : " on " + Bridge)} (xl network-attach{(Persist ? "; and add it to the config file" : string.Empty)})";

    protected override void Validate()
    {
        try
        {
            _mac = MacAddress is null ? XenDeviceNames.NewMac() : XenDeviceNames.ValidateMac(MacAddress);
            if (Bridge is not null) XenDeviceNames.ValidateBridge(Bridge);
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, MacAddress ?? Bridge);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var ops = new XenDeviceOperations(xl);
        // one new MAC per domain when none was given
        var mac = MacAddress is null && _macUsed ? XenDeviceNames.NewMac() : _mac!;
        _macUsed = true;
        Await(ops.CheckAttachNetworkAsync(domain, mac, Bridge, CancelToken));
        var nic = AwaitWithProgress(ops.AttachNetworkAsync(domain, mac, Bridge, Persist, CancelToken), $"Attaching a network interface to {domain.Name}", "xl network-attach", null);
        if (PassThru) WriteObject(nic);
        return null;
    }

    private bool _macUsed;
}
