using System;
using System.Management.Automation;
using XenPS.Core.Devices;
using XenPS.Core.Storage;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Attaches a disk to running domains (xl block-attach): a file or device (-Path) or a ZFS volume
/// (-ZfsVolume, /dev/zvol/...). -Persist also adds it to the guest's config file (atomically, with a backup).</summary>
[Cmdlet(VerbsCommon.Add, "XenDomainDisk", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomainDisk))]
public sealed class AddXenDomainDiskCommand : XenDomainActionCmdlet
{
    /// <summary>The backing file or device on the host (an absolute path).</summary>
    [Parameter]
    [Alias("Target")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>A ZFS volume (e.g. zroot/data0): its device /dev/zvol/zroot/data0 is attached.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ZfsVolume { get; set; }

    /// <summary>The device name in the guest (xvdb, hdc, sda...); the first free xvd name when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Vdev { get; set; }

    [Parameter]
    [ValidateSet("raw", "qcow", "qcow2", "vhd")]
    public string Format { get; set; } = "raw";

    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>Attach as a CD-ROM (read-only, devtype=cdrom), e.g. an ISO image for a PV guest.</summary>
    [Parameter]
    public SwitchParameter Cdrom { get; set; }

    /// <summary>Also add the disk to the guest's config file (&lt;config dir&gt;/NAME.cfg), so it is there at the next start.</summary>
    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string Target => Path ?? "/dev/zvol/" + ZfsVolume;

    protected override string ActionDescription =>
        $"Attach the disk {Target}{(Vdev is null ? string.Empty : " as " + Vdev)} (xl block-attach{(Persist ? "; and add it to the config file" : string.Empty)})";

    protected override void Validate()
    {
        if ((Path is null) == (ZfsVolume is null))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give the disk as -Path or -ZfsVolume (one of them)."), "XenDiskTargetMissing", ErrorCategory.InvalidArgument, null));
        }
        try
        {
            if (ZfsVolume is not null && !ZfsClient.IsValidDatasetName(ZfsVolume))
                throw new XenPS.Core.Execution.XenException("XenInvalidZfsVolume", XenPS.Core.Execution.XenErrorKind.InvalidArgument, $"'{ZfsVolume}' is not a ZFS volume name (pool/volume).");
            XenDeviceNames.ValidateHostPath(Target, "disk target");
            if (Vdev is not null) XenDeviceNames.ValidateVdev(Vdev);
        }
        catch (XenPS.Core.Execution.XenException ex)
        {
            ThrowXenError(ex, Target);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var ops = new XenDeviceOperations(xl);
        var request = new DiskAttachRequest { Target = Target, Vdev = Vdev, Format = Format, ReadOnly = ReadOnly, Cdrom = Cdrom };
        var vdev = Await(ops.CheckAttachDiskAsync(domain, request, CancelToken));
        var disk = AwaitWithProgress(ops.AttachDiskAsync(domain, request, vdev, Persist, CancelToken), $"Attaching {Target} to {domain.Name}", $"xl block-attach ({vdev})", null);
        if (PassThru) WriteObject(disk);
        return null;
    }
}
