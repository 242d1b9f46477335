using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets live statistics of domains from xentop -b (the second of two samples IntervalSec apart, since the
/// first has no CPU percentage): CPU seconds and percent, memory, vCPUs, network and VBD counters. One object per
/// domain and host; with -Continuous a new sample every IntervalSec until Ctrl+C.</summary>
[Cmdlet(VerbsCommon.Get, "XenDomainStatistic")]
[OutputType(typeof(XenDomainStatistic))]
public sealed class GetXenDomainStatisticCommand : XenFanOutCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>Seconds between xentop's two samples (and between samples with -Continuous).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int IntervalSec { get; set; } = 1;

    /// <summary>Stream a sample every IntervalSec until Ctrl+C (-TimeoutSec then limits each sample, not the whole run).</summary>
    [Parameter]
    public SwitchParameter Continuous { get; set; }

    protected override void ProcessRecord()
    {
        var names = Name;
        var interval = IntervalSec;
        var continuous = Continuous.IsPresent;
        var perSample = TimeSpan.FromSeconds(TimeoutSec + 2 * interval);
        var hosts = ResolveHosts(ComputerName);
        // -Continuous: the hosts run until Ctrl+C, each sample within its own time limit
        RunParallel(hosts, h => h.Target, h => h.Error, async (h, ct) =>
        {
            var xl = Xl(h.Host!);
            var first = true;
            do
            {
                using var sample = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (continuous) sample.CancelAfter(perSample);
                var all = await xl.XentopAsync(interval, sample.Token).ConfigureAwait(false);
                // xentop has no ids: the row number stands for one
                var rows = all.Select((s, i) => new XenDomain { Name = s.Name, Id = i }).ToList();
                var chosen = DomainFilter.Select(rows, names, null, out var unmatched).Select(d => d.Id).ToHashSet();
                var selected = all.Where((s, i) => chosen.Contains(i)).ToList();
                var report = first;
                Post(() =>
                {
                    WriteObject(selected, enumerateCollection: true);
                    if (report) WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
                });
                first = false;
            }
            while (continuous && !ct.IsCancellationRequested);
        }, ThrottleLimit, continuous ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(TimeoutSec + 2 * interval), "-TimeoutSec");
    }
}
