using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Xl;

namespace XenPS.Core.Storage;

/// <summary>A checked plan for a checkpoint action (take, restore, remove): what will run, nothing done yet.</summary>
public sealed class CheckpointPlan
{
    internal CheckpointPlan(GuestStorage guest, string checkpointName)
    {
        Guest = guest;
        CheckpointName = checkpointName;
    }

    public GuestStorage Guest { get; }
    public string CheckpointName { get; }

    /// <summary>The snapshots the action takes, rolls back to or destroys (dataset@name).</summary>
    public List<string> Snapshots { get; } = new();

    /// <summary>Restore with -Force: the later snapshots that zfs rollback -r destroys.</summary>
    public List<string> LaterSnapshots { get; } = new();

    /// <summary>Take: pause the guest around the snapshot.</summary>
    public bool Pause { get; internal set; }

    public List<string> Steps { get; } = new();

    /// <summary>Every step, numbered: what -WhatIf shows.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Steps.Count; i++) sb.Append(i + 1).Append(". ").Append(Steps[i]).Append('\n');
        return sb.ToString().TrimEnd('\n');
    }
}

/// <summary>
/// Checkpoints of a guest's storage: one ZFS snapshot of the same name on every ZFS volume the guest writes to, taken
/// in one `zfs snapshot` command (atomic across the volumes), listed, rolled back to, and destroyed. Every refusal is
/// decided before anything changes and names what is in the way.
/// </summary>
public sealed class CheckpointOperations
{
    private readonly XlClient _xl;
    private readonly ZfsClient _zfs;
    private readonly IXenOutput _output;

    public CheckpointOperations(XlClient xl)
    {
        _xl = xl;
        _output = xl.Output;
        _zfs = new ZfsClient(xl.Host, xl.Output);
    }

    private string HostName => _xl.Host.ComputerName;

    /// <summary>The name a checkpoint gets when none is given: ckpt-yyyyMMdd-HHmmss (UTC).</summary>
    public static string DefaultName(DateTime utcNow) => "ckpt-" + utcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>Refuses a checkpoint name ZFS cannot carry after '@'.</summary>
    public static void ValidateName(string checkpointName)
    {
        if (!ZfsClient.IsValidSnapshotName(checkpointName))
        {
            throw new XenException("XenInvalidCheckpointName", XenErrorKind.InvalidArgument,
                $"'{Printable(checkpointName)}' cannot be a checkpoint name: use 1 to 200 letters, digits and _ . : - (starting with a letter or digit); it becomes the ZFS snapshot name dataset@name.");
        }
    }

    /// <summary>The ZFS volumes a checkpoint covers; refuses a guest with writable disks elsewhere, or none on ZFS.</summary>
    private IReadOnlyList<string> CheckpointVolumes(GuestStorage g, string what)
    {
        var others = g.OtherWritableDisks;
        if (others.Count > 0)
        {
            throw new XenException("XenCheckpointUnsupportedDisk", XenErrorKind.InvalidOperation,
                $"{what} {g.Describe()} needs every disk it writes to on a ZFS volume (/dev/zvol/pool/volume); {string.Join(", ", others.Select(d => $"{d.Vdev ?? "?"} ({d.Target})"))} {(others.Count == 1 ? "is" : "are")} not. Nothing was changed.")
            { ComputerName = HostName };
        }
        var volumes = g.Volumes;
        if (volumes.Count == 0)
        {
            throw new XenException("XenCheckpointNoZfsDisk", XenErrorKind.InvalidOperation,
                $"{g.Describe()} has no writable disk on a ZFS volume: there is nothing to {(what.StartsWith("A checkpoint", StringComparison.Ordinal) ? "checkpoint" : "copy")}.")
            { ComputerName = HostName };
        }
        return volumes;
    }

    // ------------------------------------------------------------------ take

    /// <summary>Checks a new checkpoint: every writable disk a ZFS volume, all in one pool (one zfs snapshot is atomic
    /// only within a pool), and no snapshot of that name yet. Changes nothing.</summary>
    public async Task<CheckpointPlan> PlanCreateAsync(GuestStorage g, string checkpointName, bool pause, CancellationToken ct)
    {
        ValidateName(checkpointName);
        var volumes = CheckpointVolumes(g, "A checkpoint of");
        var pools = volumes.Select(v => v.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList();
        if (pools.Count > 1)
        {
            throw new XenException("XenCheckpointSpansPools", XenErrorKind.InvalidOperation,
                $"The disks of {g.Describe()} are in several ZFS pools ({string.Join(", ", pools)}): one zfs snapshot is atomic within a pool only, so XenPS does not take a checkpoint of them.")
            { ComputerName = HostName };
        }
        var snapshots = volumes.Select(v => ZfsClient.Snapshot(v, checkpointName)).ToList();
        var (found, missing) = await _zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw new XenException("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound,
                $"The ZFS volume{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)} of {g.Describe()} {(missing.Count == 1 ? "does" : "do")} not exist.") { ComputerName = HostName };
        }
        var existing = found.Where(s => snapshots.Contains(s.Name, StringComparer.Ordinal)).Select(s => s.Name).ToList();
        if (existing.Count > 0)
        {
            throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                $"{g.Name} on '{HostName}' already has a checkpoint '{checkpointName}' ({string.Join(", ", existing)}): choose another -CheckpointName, or remove it first (Remove-XenDomainCheckpoint).")
            { ComputerName = HostName };
        }

        var plan = new CheckpointPlan(g, checkpointName);
        plan.Snapshots.AddRange(snapshots);
        plan.Pause = pause && g.IsRunning && !g.Running!.State.HasFlag(XenDomainState.Paused);
        if (pause && !g.IsRunning) _output.WriteVerbose($"{g.Name} is not running: -Pause has nothing to pause.");
        if (plan.Pause) plan.Steps.Add($"Pause {g.Describe()}: xl pause {g.Running!.Id}");
        plan.Steps.Add($"Take the checkpoint '{checkpointName}' of {string.Join(", ", volumes)} in one transaction: zfs snapshot {string.Join(" ", snapshots)}");
        if (plan.Pause) plan.Steps.Add($"Unpause {g.Name}: xl unpause {g.Running!.Id} (also when the snapshot fails or is interrupted)");
        return plan;
    }

    /// <summary>Takes the checkpoint. With <see cref="CheckpointPlan.Pause"/> the guest is paused around the snapshot
    /// and always unpaused afterwards (failure and Ctrl+C included).</summary>
    public async Task<XenStorageCheckpoint> CreateAsync(CheckpointPlan plan, CancellationToken ct)
    {
        var g = plan.Guest;
        await g.EnsureUnchangedAsync(_xl, ct).ConfigureAwait(false);
        var paused = false;
        Exception? failure = null;
        try
        {
            if (plan.Pause)
            {
                await _xl.PauseAsync(g.Running!, ct).ConfigureAwait(false);
                paused = true;
            }
            await _zfs.SnapshotAsync(plan.Snapshots, null, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            if (paused)
            {
                try
                {
                    await _xl.UnpauseAsync(g.Running!, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception unpause)
                {
                    var taken = failure is null ? "The checkpoint was taken, but" : "The checkpoint failed, and";
                    throw new XenException("XenUnpauseFailed", XenErrorKind.InvalidOperation,
                        $"{taken} {g.Describe()} could not be unpaused: {(unpause as XenException)?.Summary ?? unpause.Message} Unpause it with Resume-XenDomain.", failure ?? unpause)
                    { ComputerName = HostName };
                }
            }
        }
        if (failure is not null)
        {
            if (failure is OperationCanceledException) throw failure;
            var inner = failure as XenException;
            throw new XenException(inner?.ErrorId ?? "XenCheckpointFailed", inner?.Kind ?? XenErrorKind.NotSpecified,
                $"Could not take the checkpoint '{plan.CheckpointName}' of {g.Describe()}: {inner?.Summary ?? failure.Message}{(paused ? " The guest was unpaused." : string.Empty)}", failure)
            { ComputerName = HostName };
        }
        var list = await ListAsync(g, plan.CheckpointName, ct).ConfigureAwait(false);
        return list.FirstOrDefault() ?? new XenStorageCheckpoint
        {
            ComputerName = HostName,
            Name = g.Name,
            CheckpointName = plan.CheckpointName,
            CreatedAt = DateTime.Now,
            Datasets = g.Volumes,
            Snapshots = plan.Snapshots,
        };
    }

    // ------------------------------------------------------------------ list

    /// <summary>The checkpoints of a guest, oldest first: the snapshot names found on its ZFS volumes (a name missing
    /// on some volumes is listed with those in MissingDatasets). <paramref name="nameFilter"/> keeps only the names it
    /// accepts (null: all).</summary>
    public async Task<List<XenStorageCheckpoint>> ListAsync(GuestStorage g, string? exactName, CancellationToken ct, Func<string, bool>? nameFilter = null)
    {
        var volumes = g.Volumes;
        if (volumes.Count == 0)
        {
            _output.WriteVerbose($"{g.Describe()} has no writable disk on a ZFS volume, so no checkpoints.");
            return new List<XenStorageCheckpoint>();
        }
        var (found, missing) = await _zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        foreach (var m in missing) _output.WriteWarning($"The ZFS volume {m} of {g.Describe()} does not exist.");
        return Group(g, volumes.Where(v => !missing.Contains(v)).ToList(), found)
            .Where(c => (exactName is null || c.CheckpointName == exactName) && (nameFilter is null || nameFilter(c.CheckpointName)))
            .ToList();
    }

    private List<XenStorageCheckpoint> Group(GuestStorage g, IReadOnlyList<string> volumes, IEnumerable<ZfsDataset> snapshots) =>
        snapshots.Where(s => s.SnapshotName is not null && volumes.Contains(s.DatasetName, StringComparer.Ordinal))
            .GroupBy(s => s.SnapshotName!, StringComparer.Ordinal)
            .Select(grp =>
            {
                var items = grp.OrderBy(s => volumes.ToList().IndexOf(s.DatasetName)).ToList();
                var created = items.Where(s => s.Creation is not null).Select(s => s.Creation!.Value).DefaultIfEmpty().Min();
                return (Txg: items.Min(s => s.CreateTxg ?? long.MaxValue), Checkpoint: new XenStorageCheckpoint
                {
                    ComputerName = HostName,
                    Name = g.Name,
                    CheckpointName = grp.Key,
                    CreatedAt = created == default ? null : created.LocalDateTime,
                    Datasets = items.Select(s => s.DatasetName).ToList(),
                    Snapshots = items.Select(s => s.Name).ToList(),
                    MissingDatasets = volumes.Where(v => items.All(s => s.DatasetName != v)).ToList(),
                    UsedBytes = items.Sum(s => s.UsedBytes ?? 0),
                    ReferencedBytes = items.Sum(s => s.ReferencedBytes ?? 0),
                    Clones = items.SelectMany(s => s.Clones).ToList(),
                });
            })
            .OrderBy(x => x.Txg).ThenBy(x => x.Checkpoint.CheckpointName, StringComparer.Ordinal)
            .Select(x => x.Checkpoint)
            .ToList();

    // ------------------------------------------------------------------ restore

    /// <summary>Checks a restore: the guest stopped and its volumes used by no running domain, the checkpoint on every
    /// volume, and no later checkpoint lost unless <paramref name="force"/> (never one a clone depends on).</summary>
    public async Task<CheckpointPlan> PlanRestoreAsync(GuestStorage g, string checkpointName, bool force, CancellationToken ct)
    {
        ValidateName(checkpointName);
        if (g.IsRunning)
        {
            throw new XenException("XenDomainRunning", XenErrorKind.InvalidOperation,
                $"{g.Describe()} is running: a checkpoint is restored onto the disks of a stopped guest only. Stop it first (Stop-XenDomain {g.Name}). Nothing was changed.")
            { ComputerName = HostName };
        }
        var volumes = CheckpointVolumes(g, "Restoring a checkpoint of");
        await CheckNotInUseAsync(volumes, ct).ConfigureAwait(false);
        var (found, missing) = await _zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        if (missing.Count > 0)
            throw new XenException("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound, $"The ZFS volume(s) {string.Join(", ", missing)} of {g.Describe()} do not exist.") { ComputerName = HostName };

        var targets = volumes.Select(v => found.FirstOrDefault(s => s.Name == ZfsClient.Snapshot(v, checkpointName))).ToList();
        if (targets.All(t => t is null)) throw NotFound(g, checkpointName);
        var lacking = volumes.Where((v, i) => targets[i] is null).ToList();
        if (lacking.Count > 0)
        {
            throw new XenException("XenCheckpointIncomplete", XenErrorKind.InvalidOperation,
                $"The checkpoint '{checkpointName}' of {g.Name} does not cover every disk: {string.Join(", ", lacking)} {(lacking.Count == 1 ? "has" : "have")} no snapshot @{checkpointName}. Restoring it would leave the disks from different times; nothing was changed.")
            { ComputerName = HostName };
        }

        var later = new List<ZfsDataset>();
        for (var i = 0; i < volumes.Count; i++)
        {
            var txg = targets[i]!.CreateTxg ?? long.MaxValue;
            later.AddRange(found.Where(s => s.DatasetName == volumes[i] && s.CreateTxg is { } t && t > txg).OrderBy(s => s.CreateTxg));
        }
        if (later.Count > 0 && !force)
        {
            var names = later.Select(s => s.SnapshotName!).Distinct(StringComparer.Ordinal).ToList();
            throw new XenException("XenCheckpointNotLatest", XenErrorKind.InvalidOperation,
                $"Restoring '{checkpointName}' of {g.Name} on '{HostName}' would destroy the later checkpoint{(names.Count == 1 ? "" : "s")} {string.Join(", ", names)} ({string.Join(", ", later.Select(s => s.Name))}). Give -Force to destroy {(names.Count == 1 ? "it" : "them")} (zfs rollback -r), or restore the latest. Nothing was changed.")
            { ComputerName = HostName };
        }
        var cloned = later.Where(s => s.Clones.Count > 0).ToList();
        if (cloned.Count > 0)
        {
            throw new XenException("XenCheckpointHasClones", XenErrorKind.InvalidOperation,
                $"Restoring '{checkpointName}' of {g.Name} would destroy later snapshots that clones depend on: {string.Join("; ", cloned.Select(s => $"{s.Name} is the origin of {string.Join(", ", s.Clones)}"))}. Remove those guests' disks first (or zfs promote them). Nothing was changed.")
            { ComputerName = HostName };
        }

        var plan = new CheckpointPlan(g, checkpointName);
        plan.Snapshots.AddRange(targets.Select(t => t!.Name));
        plan.LaterSnapshots.AddRange(later.Select(s => s.Name));
        foreach (var t in targets)
        {
            var lost = later.Where(s => s.DatasetName == t!.DatasetName).Select(s => s.Name).ToList();
            plan.Steps.Add($"Roll {t!.DatasetName} back to {t.Name}: zfs rollback {(lost.Count > 0 ? "-r " : "")}{t.Name}" +
                (lost.Count > 0 ? $" (destroys {string.Join(", ", lost)})" : string.Empty));
        }
        return plan;
    }

    /// <summary>Rolls every volume back. The guest is checked again first (still stopped, volumes unused).</summary>
    public async Task RestoreAsync(CheckpointPlan plan, CancellationToken ct)
    {
        var g = plan.Guest;
        await g.EnsureUnchangedAsync(_xl, ct).ConfigureAwait(false);
        await CheckNotInUseAsync(plan.Snapshots.Select(s => s.Substring(0, s.IndexOf('@'))).ToList(), ct).ConfigureAwait(false);
        var done = new List<string>();
        foreach (var snapshot in plan.Snapshots)
        {
            var dataset = snapshot.Substring(0, snapshot.IndexOf('@'));
            try
            {
                await _zfs.RollbackAsync(snapshot, plan.LaterSnapshots.Any(s => s.StartsWith(dataset + "@", StringComparison.Ordinal)), ct).ConfigureAwait(false);
                done.Add(dataset);
            }
            catch (Exception ex) when (done.Count > 0 && ex is not OperationCanceledException)
            {
                var inner = ex as XenException;
                throw new XenException("XenCheckpointRestorePartial", XenErrorKind.InvalidResult,
                    $"Restoring '{plan.CheckpointName}' of {g.Name} on '{HostName}' stopped at {dataset}: {inner?.Summary ?? ex.Message} Already rolled back: {string.Join(", ", done)}; not rolled back: {string.Join(", ", plan.Snapshots.Skip(done.Count))}. Do not start the guest before the rest is rolled back (run Restore-XenDomainCheckpoint again).", ex)
                { ComputerName = HostName };
            }
        }
    }

    private async Task CheckNotInUseAsync(IReadOnlyList<string> volumes, CancellationToken ct)
    {
        var inUse = await GuestStorage.VolumesInUseAsync(_xl, ct).ConfigureAwait(false);
        var busy = volumes.Where(inUse.ContainsKey).ToList();
        if (busy.Count > 0)
        {
            throw new XenException("XenCheckpointDiskInUse", XenErrorKind.InvalidOperation,
                $"{string.Join("; ", busy.Select(v => $"{v} is a disk of the running domain {inUse[v]}"))} on '{HostName}': a disk in use cannot be rolled back. Nothing was changed.")
            { ComputerName = HostName };
        }
    }

    // ------------------------------------------------------------------ remove

    /// <summary>Checks a removal: the checkpoint exists, and no clone depends on any of its snapshots.</summary>
    public async Task<CheckpointPlan> PlanRemoveAsync(GuestStorage g, string checkpointName, CancellationToken ct)
    {
        ValidateName(checkpointName);
        var volumes = g.Volumes;
        if (volumes.Count == 0) throw NotFound(g, checkpointName);
        var (found, _) = await _zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        var snapshots = volumes.Select(v => found.FirstOrDefault(s => s.Name == ZfsClient.Snapshot(v, checkpointName))).Where(s => s is not null).Select(s => s!).ToList();
        if (snapshots.Count == 0) throw NotFound(g, checkpointName);
        var cloned = snapshots.Where(s => s.Clones.Count > 0).ToList();
        if (cloned.Count > 0)
        {
            throw new XenException("XenCheckpointHasClones", XenErrorKind.InvalidOperation,
                $"The checkpoint '{checkpointName}' of {g.Name} on '{HostName}' cannot be removed: {string.Join("; ", cloned.Select(s => $"{s.Name} is the origin of {string.Join(", ", s.Clones)}"))}. Remove the guest made from it first (Remove-XenDomain -RemoveStorage), or copy it with Copy-XenDomU -Full. Nothing was changed.")
            { ComputerName = HostName };
        }
        var plan = new CheckpointPlan(g, checkpointName);
        plan.Snapshots.AddRange(snapshots.Select(s => s.Name));
        foreach (var s in snapshots) plan.Steps.Add($"Destroy the snapshot {s.Name} ({FormatBytes(s.UsedBytes ?? 0)} held only by it): zfs destroy {s.Name}");
        return plan;
    }

    public async Task RemoveAsync(CheckpointPlan plan, CancellationToken ct)
    {
        var done = new List<string>();
        foreach (var snapshot in plan.Snapshots)
        {
            try
            {
                await _zfs.DestroyAsync(snapshot, recursive: false, ct).ConfigureAwait(false);
                done.Add(snapshot);
            }
            catch (Exception ex) when (done.Count > 0 && ex is not OperationCanceledException)
            {
                var inner = ex as XenException;
                throw new XenException(inner?.ErrorId ?? "XenCheckpointRemoveFailed", inner?.Kind ?? XenErrorKind.NotSpecified,
                    $"Removing '{plan.CheckpointName}' of {plan.Guest.Name} on '{HostName}' stopped at {snapshot}: {inner?.Summary ?? ex.Message} Already destroyed: {string.Join(", ", done)}.", ex)
                { ComputerName = HostName };
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>What depends on ZFS volumes about to be destroyed: their snapshots (checkpoints) and the clones made from
    /// them; null when nothing does. Remove-XenDomain -RemoveStorage refuses while this is not null.</summary>
    public static async Task<string?> DescribeDependentsAsync(ZfsClient zfs, IReadOnlyList<string> volumes, CancellationToken ct)
    {
        if (volumes.Count == 0) return null;
        var (snapshots, _) = await zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        if (snapshots.Count == 0) return null;
        var parts = new List<string>();
        foreach (var v in volumes)
        {
            var own = snapshots.Where(s => s.DatasetName == v).ToList();
            if (own.Count == 0) continue;
            var text = $"{v} has the snapshot{(own.Count == 1 ? "" : "s")} {string.Join(", ", own.Select(s => "@" + s.SnapshotName))}";
            var clones = own.SelectMany(s => s.Clones).ToList();
            if (clones.Count > 0) text += $", and the clone{(clones.Count == 1 ? "" : "s")} {string.Join(", ", clones)} {(clones.Count == 1 ? "depends" : "depend")} on {(clones.Count == 1 ? "it" : "them")}";
            parts.Add(text);
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private XenException NotFound(GuestStorage g, string checkpointName) =>
        new("XenCheckpointNotFound", XenErrorKind.ObjectNotFound,
            $"{g.Name} on '{HostName}' has no checkpoint '{checkpointName}' (Get-XenDomainCheckpoint {g.Name} lists them).") { ComputerName = HostName };

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
