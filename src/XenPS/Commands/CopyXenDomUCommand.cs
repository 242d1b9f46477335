using System;
using System.Management.Automation;
using XenPS.Core.Config;
using XenPS.Core.Provisioning;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Makes a new guest from a stopped guest, or from a checkpoint: a ZFS clone of each of its volumes (with
/// -Full an independent zfs send | zfs receive copy), and a configuration with the new name, new MAC addresses and no
/// UUID. Undoes what it made if a step fails or is interrupted.</summary>
[Cmdlet(VerbsCommon.Copy, "XenDomU", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(XenDomUConfig))]
public sealed class CopyXenDomUCommand : XenCmdlet
{
    /// <summary>The guest to copy (stopped, unless -Checkpoint is given).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The new guest's name; also names its ZFS volumes and its configuration file.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = string.Empty;

    /// <summary>Copy the disks as they were at this checkpoint (the source may keep running). XenStorageCheckpoint
    /// objects bind it by their CheckpointName.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CheckpointName")]
    [ValidateNotNullOrEmpty]
    public string? Checkpoint { get; set; }

    /// <summary>An independent copy (zfs send | zfs receive), which takes the space of the data and needs no snapshot
    /// of the source to stay; without it, a clone that shares the data with the source's snapshot.</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>The source's configuration file (default: &lt;config dir&gt;/&lt;name&gt;.cfg).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var xl = Xl(ResolveSingleHost(ComputerName));
            var copier = new XenDomUCopier(xl);
            var request = new CopyDomURequest { SourceName = Name, SourceConfigPath = ConfigPath, NewName = NewName, Checkpoint = Checkpoint, Full = Full };
            var plan = Await(copier.PlanAsync(request, CancelToken));
            foreach (var warning in plan.Warnings) WriteWarning(warning);
            var target = $"{NewName} from {Name}{(Checkpoint is null ? string.Empty : " at '" + Checkpoint + "'")} on {xl.Host.ComputerName}";
            if (!ShouldProcess($"Create the guest {target}:\n{plan.Describe()}", $"Create the guest {target}?", "Copy-XenDomU")) return;
            WriteObject(AwaitWithProgress(copier.ExecuteAsync(plan, CancelToken), $"Copying {Name} to {NewName} on {xl.Host.ComputerName}",
                Full ? "zfs send | zfs receive" : "zfs clone", null));
        }
        catch (Exception ex) when (!IsStopping(ex))
        {
            WriteXenError(ex, NewName);
        }
    }
}
