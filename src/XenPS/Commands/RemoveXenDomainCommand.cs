using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Destroys domains at once (xl destroy), and optionally deletes their configuration file and their disks.</summary>
[Cmdlet(VerbsCommon.Remove, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>Also delete the domain's configuration file (confirmed on its own).</summary>
    [Parameter]
    public SwitchParameter RemoveConfig { get; set; }

    /// <summary>Also delete the domain's writable disks: ZFS volumes (zfs destroy) and disk image files. Read-only
    /// disks and cdroms (install media) are never deleted. Each one is confirmed on its own.</summary>
    [Parameter]
    public SwitchParameter RemoveStorage { get; set; }

    /// <summary>The configuration file to delete with -RemoveConfig (default: &lt;config dir&gt;/&lt;name&gt;.cfg).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    protected override string ActionDescription => "Destroy (xl destroy): the guest stops at once, without shutting down";

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        // Read the disks before destroying: afterwards xl no longer knows them.
        var disks = RemoveStorage
            ? Await(xl.ListLongAsync(CancelToken)).FirstOrDefault(c => c.DomId == domain.Id)?.Disks.ToList()
            : null;
        if (RemoveStorage && disks is null)
            WriteWarning($"xl list -l gave no configuration for {domain.Name}: its disks are not known and are left alone.");

        Await(xl.DestroyAsync(domain.Name, CancelToken));
        AwaitWithProgress(xl.WaitForAsync(domain.Name, d => d is null, TimeSpan.FromSeconds(60), CancelToken),
            $"Removing {domain.Name} on {domain.ComputerName}", "Waiting for the domain to go", null);

        var fs = new HostFileSystem(xl.Host, Output);
        if (RemoveConfig)
        {
            var path = ConfigPath ?? Await(XenPaths.GetDefaultConfigPathAsync(xl.Host, domain.Name, CancelToken));
            if (!Await(fs.ExistsAsync(path, CancelToken))) WriteWarning($"The configuration file {path} does not exist on {domain.ComputerName}.");
            else if (ShouldProcess($"{path} on {domain.ComputerName}", "Delete the domain configuration file")) Await(fs.DeleteFileAsync(path, CancelToken));
        }

        foreach (var disk in disks ?? Enumerable.Empty<XenDisk>())
        {
            if (disk.Target is null || disk.IsCdrom || !disk.ReadWrite)
            {
                WriteVerbose($"Keeping {disk.Target} ({(disk.IsCdrom ? "cdrom" : "read-only")}).");
                continue;
            }
            var storage = new StorageOperations(xl.Host, Output);
            if (StorageOperations.ZfsVolumeOf(disk.Target) is { } volume)
            {
                if (ShouldProcess($"ZFS volume {volume} on {domain.ComputerName}", "Destroy the ZFS volume (zfs destroy): its data is lost")) Await(storage.DestroyZfsVolumeAsync(volume, CancelToken));
            }
            else if (Await(storage.IsRegularFileAsync(disk.Target, CancelToken)))
            {
                if (ShouldProcess($"{disk.Target} on {domain.ComputerName}", "Delete the disk image file: its data is lost")) Await(fs.DeleteFileAsync(disk.Target, CancelToken));
            }
            else
            {
                WriteWarning($"{disk.Target} is a device, not a ZFS volume or an image file: it is left alone.");
            }
        }
        return null;
    }
}
