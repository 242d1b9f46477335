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
public sealed class InitializeXenDom0Command : XenCmdlet
{
    /// <summary>Dom0 memory: 8192M, 8G, or a number of MiB.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Dom0Memory { get; set; }

    [Parameter]
    public int Dom0VCpus { get; set; }

    /// <summary>The Xen version (4.7, 4.17...); default: the installed xen-kernel package, else xl info.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? XenVersion { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Console { get; set; } = "com1,vga";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BridgeInterface { get; set; }

    [Parameter]
    [ValidateSet("Cloned", "Autobridge", IgnoreCase = true)]
    public string BridgeStyle { get; set; } = "Cloned";

    [Parameter]
    public SwitchParameter BootMenu { get; set; }

    [Parameter]
    public SwitchParameter LoadTap { get; set; }

    /// <summary>-BootDiagnostics adds the Handbook's troubleshooting options; -BootDiagnostics:$false removes them.</summary>
    [Parameter]
    public SwitchParameter BootDiagnostics { get; set; }

    [Parameter]
    public SwitchParameter InstallPackages { get; set; }

    /// <summary>A mounted system or boot environment to prepare instead of the running one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    [Parameter]
    public SwitchParameter Restart { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    private Dom0DesiredState? _state;

    protected override void Begin()
    {
        try
        {
            _state = BuildRequest().Validate();
        }
        catch (XenException ex)
        {
            ThrowXenError(ex, null);
        }
        if (Restart && _state!.HasRoot)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Restart reboots the host itself: it cannot be combined with -Root, which prepares a mounted system."),
                "XenInvalidArgumentCombination", ErrorCategory.InvalidArgument, null));
        }
    }

    private Dom0Request BuildRequest()
    {
        var bound = MyInvocation.BoundParameters;
        return new Dom0Request
        {
            Dom0Memory = Dom0Memory,
            Dom0VCpus = bound.ContainsKey(nameof(Dom0VCpus)) ? Dom0VCpus : null,
            XenVersion = XenVersion,
            Console = Console,
            BridgeInterface = BridgeInterface,
            BridgeStyle = (XenBridgeStyle)Enum.Parse(typeof(XenBridgeStyle), BridgeStyle, ignoreCase: true),
            BootMenu = BootMenu,
            LoadTap = LoadTap,
            BootDiagnostics = bound.ContainsKey(nameof(BootDiagnostics)) ? BootDiagnostics.IsPresent : null,
            InstallPackages = InstallPackages,
            Root = Root,
        };
    }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var state = _state!;
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
