using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Reads Xen's logs into timestamped entries: a domain's xl and device model logs, its console, and the
/// hypervisor's console ring (xl dmesg); -Wait follows them.</summary>
[Cmdlet(VerbsCommon.Get, "XenLog")]
[OutputType(typeof(XenLogEntry))]
public sealed class GetXenLogCommand : XenCmdlet
{
    /// <summary>The domain whose logs to read (XenDomain objects bind by Name and ComputerName).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Which logs: Xl, DeviceModel, Console (of the domain) and Hypervisor (xl dmesg). Default: Xl with
    /// -Name, Hypervisor without.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public XenLogKind[]? Kind { get; set; }

    /// <summary>Only the last lines of each log.</summary>
    [Parameter]
    [ValidateRange(0, 10_000_000)]
    public int Tail { get; set; }

    /// <summary>Keep reading: write new lines as they are logged, until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var kinds = Kind ?? new[] { Name is null ? XenLogKind.Hypervisor : XenLogKind.Xl };
        if (kinds.Any(k => k != XenLogKind.Hypervisor) && Name is null)
        {
            WriteXenError(new ArgumentException("The Xl, DeviceModel and Console logs belong to a domain: give its -Name."), null);
            kinds = kinds.Where(k => k == XenLogKind.Hypervisor).ToArray();
        }
        int? tail = MyInvocation.BoundParameters.ContainsKey(nameof(Tail)) ? Tail : null;

        // One job per host, log and domain; the hypervisor's log once per host.
        var jobs = new List<(HostRef Host, XenLogKind Kind, string? Name)>();
        foreach (var host in ResolveHosts(ComputerName))
        {
            foreach (var kind in kinds.Distinct())
            {
                if (kind == XenLogKind.Hypervisor) jobs.Add((host, kind, null));
                else jobs.AddRange(Name!.Select(n => (host, kind, (string?)n)));
            }
        }

        RunParallel(jobs, j => j.Name is null ? j.Host.Target : $"{j.Name} on {j.Host.Target}", j => j.Host.Error, async (j, ct) =>
        {
            var reader = new XenLogReader(j.Host.Host!, Output);
            if (Wait)
            {
                await reader.FollowAsync(j.Kind, j.Name, tail, entry => Post(() => WriteObject(entry)), ct).ConfigureAwait(false);
                return;
            }
            var entries = await reader.ReadAsync(j.Kind, j.Name, tail, ct).ConfigureAwait(false);
            Post(() => WriteObject(entries, enumerateCollection: true));
        }, 16, Wait ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(120), "the time limit of a read");
    }
}
