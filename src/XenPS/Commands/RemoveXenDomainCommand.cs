using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Storage;
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
        var label = XenDomainName.Display(domain.Name);
        // The configuration file is found by the domain's name: a name that cannot name a file is refused before
        // anything is destroyed (XenDomainName).
        string? configPath = null;
        if (RemoveConfig && ConfigPath is null)
        {
            if (XenDomainName.Problem(domain.Name) is { } problem)
            {
                throw new XenException("XenInvalidDomainName", XenErrorKind.InvalidArgument,
                    $"The configuration file of {XenDomainName.Quote(domain.Name)} (id {domain.Id}) cannot be found by its name: it {problem}. Give the file with -ConfigPath, or leave out -RemoveConfig. Nothing was done.");
            }
            configPath = Await(XenPaths.GetDefaultConfigPathAsync(xl.Host, domain.Name, CancelToken));
        }

        // Read the disks before destroying: afterwards xl no longer knows them.
        var disks = RemoveStorage
            ? Await(xl.ListLongAsync(CancelToken)).FirstOrDefault(c => c.DomId == domain.Id)?.Disks.ToList()
            : null;
        if (RemoveStorage && disks is null)
            WriteWarning($"xl list -l gave no configuration for {label}: its disks are not known and are left alone.");
        CheckStorageRemovable(xl, domain.Name, disks);

        AwaitWithProgress(xl.DestroyAndWaitAsync(domain, TimeSpan.FromSeconds(60), CancelToken),
            $"Removing {label} on {domain.ComputerName}", "Destroying the domain", null);
        RemoveFiles(xl, domain.Name, disks, configPath);
        return null;
    }

    /// <summary>A guest that is not running: with -RemoveConfig its config file (and with -RemoveStorage the disks it
    /// names) are removed, each confirmed; without -RemoveConfig there is nothing to remove.</summary>
    protected override bool ActOnNotRunning(XlClient xl, object nameOrId)
    {
        if (!RemoveConfig || nameOrId is not string name || WildcardPattern.ContainsWildcardCharacters(name)) return false;
        try
        {
            var path = ConfigPath ?? Await(XenPaths.GetDefaultConfigPathAsync(xl.Host, name, CancelToken));
            var store = new XenConfigStore(xl.Host, Output);
            if (!Await(store.FileSystem.ExistsAsync(path, CancelToken))) return false;
            var config = Await(store.LoadAsync(path, CancelToken));
            WriteVerbose($"{name} is not running on {xl.Host.ComputerName}: removing what its configuration {path} names.");
            var disks = config.Disks.Select(d => new XenDisk { Target = d.Target, Vdev = d.Vdev, IsCdrom = d.IsCdrom, ReadWrite = !d.IsReadOnly }).ToList();
            CheckStorageRemovable(xl, name, RemoveStorage ? disks : null);
            RemoveFiles(xl, name, RemoveStorage ? disks : null, path);
        }
        catch (Exception ex) when (!IsStopping(ex))
        {
            WriteXenError(ex, name);
        }
        return true;
    }

    /// <summary>Refuses, before anything is destroyed, to remove ZFS volumes that snapshots (checkpoints) or clones
    /// depend on: zfs destroy would fail half-way, and they would be lost with -r.</summary>
    private void CheckStorageRemovable(XlClient xl, string name, IReadOnlyList<XenDisk>? disks)
    {
        var volumes = (disks ?? Array.Empty<XenDisk>())
            .Where(d => d.Target is not null && !d.IsCdrom && d.ReadWrite)
            .Select(d => StorageOperations.ZfsVolumeOf(d.Target!)).Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
        if (volumes.Count == 0) return;
        var dependents = Await(CheckpointOperations.DescribeDependentsAsync(new ZfsClient(xl.Host, Output), volumes, CancelToken));
        if (dependents is null) return;
        throw new XenException("XenStorageHasDependents", XenErrorKind.InvalidOperation,
            $"The disks of {name} on {xl.Host.ComputerName} cannot be removed: {dependents}. Remove the checkpoints first (Get-XenDomainCheckpoint {name} | Remove-XenDomainCheckpoint), after the guests cloned from them. Nothing was changed.")
        { ComputerName = xl.Host.ComputerName };
    }

    private void RemoveFiles(XlClient xl, string name, IReadOnlyList<XenDisk>? disks, string? knownConfigPath = null)
    {
        var host = xl.Host.ComputerName;
        var fs = new HostFileSystem(xl.Host, Output);
        if (RemoveConfig)
        {
            var path = knownConfigPath ?? ConfigPath ?? Await(XenPaths.GetDefaultConfigPathAsync(xl.Host, name, CancelToken));
            if (!Await(fs.ExistsAsync(path, CancelToken))) WriteWarning($"The configuration file {path} does not exist on {host}.");
            else if (ShouldProcess($"{path} on {host}", "Delete the domain configuration file")) Await(fs.DeleteFileAsync(path, CancelToken));
        }

        var storage = new StorageOperations(xl.Host, Output);
        foreach (var disk in disks ?? Array.Empty<XenDisk>())
        {
            if (disk.Target is null || disk.IsCdrom || !disk.ReadWrite)
            {
                WriteVerbose($"Keeping {disk.Target} ({(disk.IsCdrom ? "cdrom" : "read-only")}).");
                continue;
            }
            if (StorageOperations.ZfsVolumeOf(disk.Target) is { } volume)
            {
                if (ShouldProcess($"ZFS volume {volume} on {host}", "Destroy the ZFS volume (zfs destroy): its data is lost")) Await(storage.DestroyZfsVolumeAsync(volume, CancelToken));
            }
            else if (Await(storage.IsRegularFileAsync(disk.Target, CancelToken)))
            {
                if (ShouldProcess($"{disk.Target} on {host}", "Delete the disk image file: its data is lost")) Await(fs.DeleteFileAsync(disk.Target, CancelToken));
            }
            else
            {
                WriteWarning($"{disk.Target} is a device, not a ZFS volume or an image file: it is left alone.");
            }
        }
    }
}
