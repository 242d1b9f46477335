using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Inserts an ISO image into the CD-ROM drive of running HVM guests (xl cd-insert), or ejects it
/// (xl cd-eject): the Handbook's "remove the install media" without a reboot. -Persist makes the config file's drive
/// match.</summary>
[Cmdlet(VerbsCommon.Set, "XenDvdDrive", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomainDisk))]
public sealed class SetXenDvdDriveCommand : XenDomainActionCmdlet
{
    /// <summary>The ISO image on the host to insert.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Eject the medium (the drive stays, empty).</summary>
    [Parameter]
    public SwitchParameter Eject { get; set; }

    /// <summary>The drive (e.g. hdc); the guest's first CD-ROM drive when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Vdev { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => Eject
        ? $"Eject the CD-ROM {Vdev ?? "medium"} (xl cd-eject{(Persist ? "; and in the config file" : string.Empty)})"
        : $"Insert {Path} into the CD-ROM drive {Vdev} (xl cd-insert{(Persist ? "; and in the config file" : string.Empty)})";

    protected override void Validate()
    {
        if ((Path is null) == !Eject.IsPresent)
        {
            ThrowTerminatingError(new ErrorRecord(new System.ArgumentException("Give -Path (an ISO image to insert) or -Eject, one of them."), "XenDvdNothingToDo", ErrorCategory.InvalidArgument, null));
        }
        try
        {
            if (Path is not null) XenDeviceNames.ValidateHostPath(Path, "ISO image");
            if (Vdev is not null) XenDeviceNames.ValidateVdev(Vdev);
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, Path ?? Vdev);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var ops = new XenDeviceOperations(xl);
        var vdev = Await(ops.CheckDvdAsync(domain, Vdev, Path, CancelToken));
        Await(ops.SetDvdAsync(domain, vdev, Eject ? null : Path, Persist, CancelToken));
        if (PassThru)
        {
            foreach (var disk in Await(ops.GetDisksAsync(domain, CancelToken)))
            {
                if (disk.Vdev == vdev) WriteObject(disk);
            }
        }
        return null;
    }
}
