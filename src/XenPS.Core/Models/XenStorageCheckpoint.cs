using System;
using System.Collections.Generic;

namespace XenPS;

/// <summary>
/// A checkpoint of a guest's storage (Checkpoint-XenDomain): one ZFS snapshot of the same name on every ZFS volume the
/// guest writes to, taken together in one `zfs snapshot` command. Unlike <see cref="XenDomainCheckpoint"/> (a memory
/// image written by Save-XenDomain) it holds the disks, not the running state. Name and ComputerName bind to the
/// checkpoint cmdlets by property name, CheckpointName to their -CheckpointName.
/// </summary>
public sealed class XenStorageCheckpoint
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The guest (domain) the checkpoint belongs to.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The snapshot name shared by every disk: dataset@CheckpointName.</summary>
    public string CheckpointName { get; set; } = string.Empty;

    /// <summary>When the snapshot was taken (the earliest of them, in local time).</summary>
    public DateTime? CreatedAt { get; set; }

    /// <summary>The ZFS volumes of the guest that the checkpoint covers.</summary>
    public IReadOnlyList<string> Datasets { get; set; } = Array.Empty<string>();

    /// <summary>The snapshots, dataset@CheckpointName.</summary>
    public IReadOnlyList<string> Snapshots { get; set; } = Array.Empty<string>();

    /// <summary>The guest's ZFS volumes that have no snapshot of this name (taken outside XenPS, or a disk added
    /// later): Restore-XenDomainCheckpoint refuses such a checkpoint.</summary>
    public IReadOnlyList<string> MissingDatasets { get; set; } = Array.Empty<string>();

    /// <summary>True when every ZFS volume of the guest has the snapshot.</summary>
    public bool IsComplete => MissingDatasets.Count == 0;

    /// <summary>The space only these snapshots hold (the sum of their `used`), in bytes.</summary>
    public long UsedBytes { get; set; }

    /// <summary>The data the disks held at the checkpoint (the sum of the snapshots' `referenced`), in bytes.</summary>
    public long ReferencedBytes { get; set; }

    /// <summary>Datasets cloned from these snapshots (Copy-XenDomU): while they exist the checkpoint cannot be removed.</summary>
    public IReadOnlyList<string> Clones { get; set; } = Array.Empty<string>();

    public override string ToString() => Name + "@" + CheckpointName;
}
