using System;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Execution;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Reboots domains (xl reboot); HVM guests without PV drivers get the ACPI reset event.</summary>
[Cmdlet(VerbsLifecycle.Restart, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class RestartXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>Wait until the new instance of the domain is running.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits, in seconds.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(1, 86400)]
    public int Timeout { get; set; } = 120;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => "Reboot (xl reboot)";

    protected override bool EmitResult => PassThru;

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var limit = TimeSpan.FromSeconds(Timeout);
        var label = XenDomainName.Display(domain.Name);
        Await(xl.ShutdownAsync(domain, reboot: true, wait: false, limit, CancelToken));
        if (!Wait) return null;
        // xl's daemon destroys the old instance and creates the new one under a new id, with the same name and UUID:
        // another domain that takes the name meanwhile (another UUID) is not taken for it.
        var (reached, current) = AwaitWithProgress(
            xl.WaitForAsync(d => d.Id != domain.Id && string.Equals(d.Name, domain.Name, StringComparison.Ordinal) && XlClient.SameGuest(domain, d),
                d => d is not null && (d.State & (XenDomainState.Shutdown | XenDomainState.Dying)) == 0, limit, CancelToken),
            $"Restarting {label} on {domain.ComputerName}", "Waiting for the new instance", limit);
        if (!reached)
        {
            throw new XenException("XenRestartTimeout", XenErrorKind.OperationTimeout,
                $"{label} did not come back within {Timeout} s (last seen: {(current is null ? "gone" : current.StateText + ", id " + current.Id)}). Check on_reboot in its configuration.");
        }
        return current;
    }
}
