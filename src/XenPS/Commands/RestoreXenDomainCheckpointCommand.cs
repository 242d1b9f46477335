using System.Management.Automation;
using XenPS.Core.Storage;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Rolls a stopped guest's disks back to a checkpoint (zfs rollback of every ZFS volume to the same snapshot).
/// Refuses while the guest runs, and when later checkpoints would be lost unless -Force.</summary>
[Cmdlet(VerbsData.Restore, "XenDomainCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(XenStorageCheckpoint))]
public sealed class RestoreXenDomainCheckpointCommand : XenGuestStorageCmdlet
{
    /// <summary>The checkpoint to go back to (XenStorageCheckpoint objects bind it by property name).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string CheckpointName { get; set; } = string.Empty;

    /// <summary>Also destroy the checkpoints taken after this one (zfs rollback -r), which a rollback cannot keep.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the checkpoint restored.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Act(XlClient xl, GuestStorage guest)
    {
        var ops = new CheckpointOperations(xl);
        var plan = Await(ops.PlanRestoreAsync(guest, CheckpointName, Force, CancelToken));
        var lost = plan.LaterSnapshots.Count > 0 ? $" The later snapshots {string.Join(", ", plan.LaterSnapshots)} are destroyed." : string.Empty;
        if (!ShouldProcess($"{guest.Describe()}:\n{plan.Describe()}",
                $"Roll the disks of {guest.Name} on {xl.Host.ComputerName} back to '{CheckpointName}'? What they hold now is lost.{lost}", "Restore-XenDomainCheckpoint")) return;
        AwaitWithProgress(ops.RestoreAsync(plan, CancelToken), $"Restoring {guest.Name} on {xl.Host.ComputerName} to '{CheckpointName}'", "zfs rollback", null);
        if (PassThru)
        {
            foreach (var c in Await(ops.ListAsync(guest, CheckpointName, CancelToken))) WriteObject(c);
        }
    }
}
