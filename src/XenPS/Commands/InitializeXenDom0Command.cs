using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Prepares a FreeBSD host (or a mounted system) to boot as a Xen Dom0, the FreeBSD Handbook way: idempotent,
/// atomic, with backups, a diff for -WhatIf and one change record per setting.</summary>
[Cmdlet(VerbsData.Initialize, "XenDom0", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(XenDom0Change))]
public sealed class InitializeXenDom0Command : XenDom0StateCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Console { get; set; } = "com1,vga";

    [Parameter]
    public SwitchParameter InstallPackages { get; set; }

    [Parameter]
    public SwitchParameter Restart { get; set; }

    protected override string? ConsoleSetting => Console;

    protected override void Complete(Dom0Request request) => request.InstallPackages = InstallPackages;

    protected override void Begin()
    {
        base.Begin();
        if (Restart && State.HasRoot)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Restart reboots the host itself: it cannot be combined with -Root, which prepares a mounted system."),
                "XenInvalidArgumentCombination", ErrorCategory.InvalidArgument, null));
        }
    }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var state = State;
        var plan = Await(new Dom0Planner(xl.Host, Output).PlanAsync(state, audit: false, CancelToken));
        foreach (var warning in plan.Warnings) WriteWarning(warning);
        var target = state.HasRoot ? $"{state.Root} on {xl.Host.ComputerName}" : xl.Host.ComputerName;
        if (!plan.HasChanges)
        {
            WriteObject(plan.Changes, enumerateCollection: true);
            Say($"{target} is already prepared as a Xen Dom0: nothing to change.");
            return;
        }

        var changed = plan.Settings.Count(s => s.Changed);
        if (!ShouldProcess(plan.Describe(), $"Prepare {target} as a Xen Dom0 ({changed} settings in {plan.ChangedFiles.Count()} files)? A wrong boot configuration can leave the host unable to boot; the old files are kept as backups.", "Initialize-XenDom0")) return;

        var applier = new Dom0Applier(xl.Host, Output);
        var result = AwaitWithProgress(applier.ApplyAsync(plan, CancelToken), "Initialize-XenDom0", $"Preparing {target}", plan.PackagesToInstall.Count > 0 ? Dom0Applier.PackageTimeout : null);
        WriteObject(result.Changes, enumerateCollection: true);
        if (result.Written.Count > 0)
        {
            Say($"Changed {result.Written.Count} files on {xl.Host.ComputerName}: " +
                string.Join(", ", result.Written.Select(w => w.BackupPath is null ? w.Path + " (new)" : $"{w.Path} (backup {w.BackupPath})")) + ".");
        }
        if (result.LoginDatabaseError is not null) WriteXenError(result.LoginDatabaseError, plan.LoginConf);

        if (!plan.BootConfigurationChanged) return;
        var files = string.Join(", ", plan.ChangedFiles.Where(f => f.Path != plan.LoginConf).Select(f => f.Path));
        if (Restart && ShouldProcess(xl.Host.ComputerName, "Restart the host (shutdown -r now) to boot into Xen"))
        {
            Await(applier.RestartAsync(CancelToken));
            Say($"{xl.Host.ComputerName} is restarting to boot into Xen.");
            return;
        }
        WriteWarning(state.HasRoot
            ? $"The boot configuration of {state.Root} changed ({files}): it takes effect when that system boots."
            : $"A reboot is needed: the boot configuration of {xl.Host.ComputerName} changed ({files}) and takes effect at the next boot (shutdown -r now, or Initialize-XenDom0 -Restart).");
    });

    /// <summary>A message for the user, shown like Write-Host (the information stream, tag PSHOST).</summary>
    private void Say(string message) =>
        WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" });
}
