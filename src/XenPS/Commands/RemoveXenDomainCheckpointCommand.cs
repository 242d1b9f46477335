using System.Linq;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Storage;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Removes checkpoints of guests (zfs destroy of each of their snapshots). Refuses a checkpoint that a clone
/// (Copy-XenDomU) depends on.</summary>
[Cmdlet(VerbsCommon.Remove, "XenDomainCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveXenDomainCheckpointCommand : XenGuestStorageCmdlet
{
    /// <summary>The checkpoints to remove (wildcards: every matching one; XenStorageCheckpoint objects bind it by
    /// property name).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] CheckpointName { get; set; } = System.Array.Empty<string>();

    protected override void Act(XlClient xl, GuestStorage guest)
    {
        var ops = new CheckpointOperations(xl);
        foreach (var pattern in CheckpointName)
        {
            var names = WildcardPattern.ContainsWildcardCharacters(pattern)
                ? Await(ops.ListAsync(guest, null, CancelToken, new WildcardPattern(pattern, WildcardOptions.None).IsMatch)).Select(c => c.CheckpointName).ToList()
                : new System.Collections.Generic.List<string> { pattern };
            foreach (var name in names)
            {
                try
                {
                    var plan = Await(ops.PlanRemoveAsync(guest, name, CancelToken));
                    if (!ShouldProcess($"{guest.Describe()}:\n{plan.Describe()}", $"Remove the checkpoint '{name}' of {guest.Name} on {xl.Host.ComputerName}? Its data is lost.", "Remove-XenDomainCheckpoint")) continue;
                    Await(ops.RemoveAsync(plan, CancelToken));
                }
                catch (System.Exception ex) when (!IsStopping(ex))
                {
                    WriteXenError(ex, guest.Name + "@" + name);
                }
            }
        }
    }
}
