using System;
using System.Management.Automation;
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
        var activity = $"Stopping {domain.Name} on {domain.ComputerName}";
        if (XlClient.IsDown(domain))
        {
            WriteVerbose($"{domain.Name} has already shut down ({domain.StateText}).");
            if (Force) Destroy(xl, domain, activity);
            return Gone(domain);
        }
        if (NoWait)
        {
            Await(xl.ShutdownAsync(domain.Name, reboot: false, wait: false, limit, CancelToken));
            return null;
        }

        bool stopped;
        XenDomain? last = domain;
        try
        {
            AwaitWithProgress(xl.ShutdownAsync(domain.Name, reboot: false, wait: true, limit, CancelToken), activity, "Waiting for the guest to shut down", limit);
            // xl shutdown -w returns before the daemon has destroyed the domain: wait until it is really down.
            (stopped, last) = AwaitWithProgress(xl.WaitForAsync(domain.Name, XlClient.IsDown, TimeSpan.FromSeconds(Math.Max(10, Timeout)), CancelToken), activity, "Waiting for the domain to go", null);
        }
        catch (XenCommandTimeoutException)
        {
            stopped = false;
        }

        if (stopped) return last ?? Gone(domain);
        if (!Force)
        {
            throw new XenException("XenStopTimeout", XenErrorKind.OperationTimeout,
                $"{domain.Name} did not shut down within {Timeout} s (the guest may ignore shutdown requests). Use -Force to destroy it when the time is up, or a longer -Timeout.");
        }
        WriteWarning($"{domain.Name} did not shut down within {Timeout} s: destroying it (xl destroy).");
        Destroy(xl, domain, activity);
        return Gone(domain);
    }

    private void Destroy(XlClient xl, XenDomain domain, string activity)
    {
        AwaitWithProgress(xl.DestroyAndWaitAsync(domain.Name, TimeSpan.FromSeconds(30), CancelToken), activity, "Destroying the domain", null);
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
