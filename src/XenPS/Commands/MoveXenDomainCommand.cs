using System;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Moves running domains to another Xen host: live (xl migrate) or paused while copied (xl save | xl restore),
/// after checking the destination; outputs each domain as the destination lists it.</summary>
[Cmdlet(VerbsCommon.Move, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class MoveXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>The host to move to: a name (as -ComputerName takes it) or a session.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public XenHostIdentity? Destination { get; set; }

    /// <summary>The destination as the source host reaches it over SSH (host, user@host, host:port); default: the
    /// destination's host name, user and port.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DestinationAddress { get; set; }

    /// <summary>Live migration (xl migrate): the guest keeps running while its memory is copied.</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>Wait until the domain runs on the destination and is gone from the source.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>The limit of the transfer, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

    private XlClient? _destination;

    protected override string ActionDescription => Live
        ? $"Move to {Destination} live (xl migrate): the guest keeps running while its memory is copied"
        : $"Move to {Destination} (xl save -p | xl restore): the guest is paused while its memory is copied";

    protected override bool EmitResult => true;

    protected override void Validate()
    {
        try
        {
            _destination = Xl(Destination!.Resolve());
            if (DestinationAddress is not null) Core.Hosts.SshTarget.Parse(DestinationAddress);
        }
        catch (Exception ex) when (ex is XenException || ex is ArgumentException)
        {
            ThrowXenError(ex, Destination?.ComputerName);
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var migrator = new XenMigrator(xl, _destination!);
        var request = new XenMigrationRequest(domain) { DestinationAddress = DestinationAddress, Live = Live, Timeout = TimeSpan.FromSeconds(TimeoutSec) };
        var activity = $"Moving {Core.XenDomainName.Display(domain.Name)} from {xl.Host.ComputerName} to {_destination!.Host.ComputerName}";
        var plan = AwaitWithProgress(migrator.PlanAsync(request, CancelToken), activity, "Checking both hosts", null);
        foreach (var warning in plan.Warnings) WriteWarning(warning);
        WriteVerbose($"Checked: '{_destination.Host.ComputerName}' ({plan.DestinationHostName}) has {plan.DestinationFreeMemoryMB} MiB free for {plan.RequiredMemoryMB} MiB; " +
                     $"disks at the same paths: {(plan.Disks.Count == 0 ? "none" : string.Join(", ", plan.Disks))}; the source reaches it as '{plan.Address}'. Running on {xl.Host.ComputerName}: {plan.CommandText}");

        var current = new XenMigrationProgress("Starting", 0);
        var moved = AwaitWithProgress(
            migrator.ExecuteAsync(plan, Wait, p =>
            {
                current = p;
                ReportProgress();
            }, CancelToken),
            activity, () => (current.Status, current.Percent));
        WriteVerbose($"{Core.XenDomainName.Display(domain.Name)} now runs on {moved.ComputerName} (id {moved.Id}, {moved.StateText}).");
        return moved;
    }
}
