using System;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Execution;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Shuts domains down gracefully (xl shutdown -w), and with -Force destroys those that did not stop in time.</summary>
[Cmdlet(VerbsLifecycle.Stop, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class StopXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>How long to wait for a graceful shutdown, in seconds.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, 86400)]
    public int Timeout { get; set; } = 60;

    /// <summary>Destroy (xl destroy) a domain that has not shut down when the time is up.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Only ask the guest to shut down; do not wait.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override string ActionDescription => Force ? "Shut down (xl shutdown), destroy (xl destroy) if it does not stop in time" : "Shut down (xl shutdown)";

    protected override bool EmitResult => PassThru;

    protected override void Validate()
    {
        if (NoWait && Force)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-NoWait and -Force cannot be used together: -Force acts when the wait is over."),
                "XenInvalidArgumentCombination", ErrorCategory.InvalidArgument, null));
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var limit = TimeSpan.FromSeconds(Timeout);
        var label = XenDomainName.Display(domain.Name);
        var activity = $"Stopping {label} on {domain.ComputerName}";
        if (XlClient.IsDown(domain))
        {
            WriteVerbose($"{label} has already shut down ({domain.StateText}).");
            if (Force) Destroy(xl, domain, activity);
            return Gone(domain);
        }
        if (NoWait)
        {
            Await(xl.ShutdownAsync(domain, reboot: false, wait: false, limit, CancelToken));
            return null;
        }

        // xl shutdown -w returns when the instance dies, and that is not always the end: a guest that reboots instead
        // (or was rebooting anyway) is recreated under a new id, with the same name and UUID, by xl's daemon
        // (on_reboot="restart"). Such a new instance is asked again while time is left; -Force destroys whatever is
        // still there at the end. xl is always given the id of the instance.
        var deadline = DateTime.UtcNow + limit;
        var current = domain;
        var restarted = false;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining < TimeSpan.FromSeconds(1)) remaining = TimeSpan.FromSeconds(1);
            bool stopped;
            XenDomain? last = current;
            try
            {
                AwaitWithProgress(xl.ShutdownAsync(current, reboot: false, wait: true, remaining, CancelToken),
                    activity, "Waiting for the guest to shut down", remaining);
                // xl shutdown -w returns before the daemon has destroyed the domain: wait until this instance is really down.
                (stopped, last) = AwaitWithProgress(xl.WaitForInstanceAsync(current, XlClient.IsDown, TimeSpan.FromSeconds(Math.Max(10, Timeout)), CancelToken),
                    activity, "Waiting for the domain to go", null);
            }
            catch (XenCommandTimeoutException)
            {
                stopped = false;
            }
            if (stopped && last is not null) return last;
            if (stopped)
            {
                var back = AwaitWithProgress(xl.FindRestartedAsync(current, CancelToken), activity, "Making sure it does not restart", null);
                if (back is null) return Gone(domain);
                WriteVerbose($"{label} restarted as id {back.Id} instead of shutting down.");
                current = back;
                restarted = true;
                if (DateTime.UtcNow < deadline) continue;
            }
            break;
        }

        var why = restarted ? $"{label} restarted (now id {current.Id}) instead of shutting down within {Timeout} s" : $"{label} did not shut down within {Timeout} s";
        if (!Force)
        {
            throw new XenException("XenStopTimeout", XenErrorKind.OperationTimeout,
                why + " (the guest may ignore shutdown requests). Use -Force to destroy it when the time is up, or a longer -Timeout.");
        }
        WriteWarning(why + ": destroying it (xl destroy).");
        Destroy(xl, current, activity);
        return Gone(domain);
    }

    private void Destroy(XlClient xl, XenDomain domain, string activity)
    {
        AwaitWithProgress(xl.DestroyAndWaitAsync(domain, TimeSpan.FromSeconds(30), CancelToken), activity, "Destroying the domain", null);
    }

    /// <summary>The domain as it was, marked as shut down (it no longer exists, so xl cannot show it).</summary>
    private static XenDomain Gone(XenDomain domain)
    {
        domain.State = XenDomainState.Shutdown;
        domain.StateText = "---s--";
        domain.ShutdownReason = XenShutdownReason.PowerOff;
        return domain;
    }
}
