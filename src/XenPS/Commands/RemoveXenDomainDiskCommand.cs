using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Detaches a disk from running domains (xl block-detach, by the vdev's device number). -Persist also removes
/// it from the guest's config file (atomically, with a backup).</summary>
[Cmdlet(VerbsCommon.Remove, "XenDomainDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomainDisk))]
public sealed class RemoveXenDomainDiskCommand : XenDomainActionCmdlet
{
    /// <summary>The device name in the guest (XenDomainDisk objects bind it).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Vdev { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => $"Detach the disk {Vdev} (xl block-detach{(Persist ? "; and remove it from the config file" : string.Empty)})";

    protected override void Validate()
    {
        try
        {
            if (Vdev is not null) XenDeviceNames.ValidateVdev(Vdev);
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, Vdev);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        XenDeviceNames.ValidateVdev(Vdev);
        var ops = new XenDeviceOperations(xl);
        var disk = Await(ops.CheckDetachDiskAsync(domain, Vdev!, CancelToken));
        AwaitWithProgress(ops.DetachDiskAsync(domain, disk, Persist, CancelToken), $"Detaching {Vdev} from {domain.Name}", "xl block-detach", null);
        if (PassThru) WriteObject(disk);
        return null;
    }
}
