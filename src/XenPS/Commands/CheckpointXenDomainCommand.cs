using System;
using System.Management.Automation;
using XenPS.Core.Storage;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Takes a checkpoint of guests' disks: one ZFS snapshot of every ZFS volume the guest writes to, all in one
/// `zfs snapshot` command (atomic across them); -Pause pauses a running guest around it.</summary>
[Cmdlet(VerbsData.Checkpoint, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(XenStorageCheckpoint))]
public sealed class CheckpointXenDomainCommand : XenGuestStorageCmdlet
{
    /// <summary>The checkpoint's name, the ZFS snapshot name (default: ckpt-yyyyMMdd-HHmmss, UTC).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointName { get; set; }

    /// <summary>Pause a running guest while the snapshot is taken (a point where no write is in flight), and unpause
    /// it afterwards, also when the snapshot fails or is interrupted.</summary>
    [Parameter]
    public SwitchParameter Pause { get; set; }

    protected override void Act(XlClient xl, GuestStorage guest)
    {
        var ops = new CheckpointOperations(xl);
        var name = CheckpointName ?? CheckpointOperations.DefaultName(DateTime.UtcNow);
        var plan = Await(ops.PlanCreateAsync(guest, name, Pause, CancelToken));
        if (!ShouldProcess($"{guest.Describe()}:\n{plan.Describe()}", $"Take the checkpoint '{name}' of {guest.Describe()}?", "Checkpoint-XenDomain")) return;
        WriteObject(AwaitWithProgress(ops.CreateAsync(plan, CancelToken), $"Checkpoint of {guest.Name} on {xl.Host.ComputerName}", "zfs snapshot", null));
    }
}
