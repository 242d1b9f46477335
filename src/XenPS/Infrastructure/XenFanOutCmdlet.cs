using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>
/// The base of the query cmdlets that fan out over many hosts (Get-XenDomain, Get-XenHost, Get-XenVCpu,
/// Get-XenUptime): the hosts are queried at the same time, at most -ThrottleLimit at once, and each host's results
/// are written as soon as that host has answered. Each host has -TimeoutSec: a slow or dead host is stopped (its ssh
/// is killed) and becomes one non-terminating error, and costs the command no more than that.
/// </summary>
public abstract class XenFanOutCmdlet : XenCmdlet
{
    /// <summary>How many hosts are queried at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>How long each host may take, in seconds, before it is given up (one error for that host).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Runs <paramref name="work"/> for every host on tasks (never on the pipeline thread: the work writes
    /// through <see cref="XenCmdletBase.Post"/>), and waits for all of them on the pipeline thread while writing what
    /// they post. A host that fails or runs out of time is one non-terminating error whose target is its name.</summary>
    protected void ForEachHostParallel(string[]? computerNames, Func<XlClient, CancellationToken, Task> work) =>
        RunParallel(ResolveHosts(computerNames), h => h.Target, h => h.Error, (h, ct) => work(Xl(h.Host!), ct), ThrottleLimit, TimeSpan.FromSeconds(TimeoutSec), "-TimeoutSec");
}
