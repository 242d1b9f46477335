using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Parsing;

namespace XenPS.Core.Xl;

/// <summary>Device and CPU operations of one domain: every call takes the resolved domain and gives xl its id.</summary>
public sealed partial class XlClient
{
    /// <summary>xl block-list of one domain. xl exits 0 for a domain that is gone (it prints "... is an invalid domain
    /// identifier" on stderr): that is an error here.</summary>
    public async Task<List<XlBlockDevice>> BlockListAsync(XenDomain domain, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "block-list", IdArgument(domain.Id) }, cancellationToken).ConfigureAwait(false);
        ThrowIfInvalidDomain(result, domain);
        return XlDeviceListParser.ParseBlockList(result.StandardOutput);
    }

    /// <summary>xl network-list of one domain (same rule for a domain that is gone).</summary>
    public async Task<List<XlNetworkDevice>> NetworkListAsync(XenDomain domain, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "network-list", IdArgument(domain.Id) }, cancellationToken).ConfigureAwait(false);
        ThrowIfInvalidDomain(result, domain);
        return XlDeviceListParser.ParseNetworkList(result.StandardOutput);
    }

    private void ThrowIfInvalidDomain(CommandResult result, XenDomain domain)
    {
        if (result.StandardError.Contains("invalid domain identifier", StringComparison.Ordinal))
        {
            throw new XenException("XenDomainNotFound", XenErrorKind.ObjectNotFound,
                $"{XenDomainName.Display(domain.Name)} (id {domain.Id}) is no longer running on host '{Host.ComputerName}'.") { ComputerName = Host.ComputerName };
        }
    }

    /// <summary>xl block-attach: the disk spec is one argument (target= last, built by the caller from checked parts).</summary>
    public Task<CommandResult> BlockAttachAsync(XenDomain domain, string diskSpec, CancellationToken cancellationToken) =>
        RunAsync(new[] { "block-attach", IdArgument(domain.Id), diskSpec }, cancellationToken, TimeSpan.FromSeconds(120));

    /// <summary>xl block-detach by device number (never a text xl could read another way).</summary>
    public Task<CommandResult> BlockDetachAsync(XenDomain domain, int devId, CancellationToken cancellationToken, bool check = true) =>
        RunAsync(new[] { "block-detach", IdArgument(domain.Id), devId.ToString(CultureInfo.InvariantCulture) }, cancellationToken, TimeSpan.FromSeconds(120), check);

    /// <summary>xl network-attach with a MAC address and a bridge, both checked by the caller.</summary>
    public Task<CommandResult> NetworkAttachAsync(XenDomain domain, string mac, string? bridge, CancellationToken cancellationToken)
    {
        var args = new List<string> { "network-attach", IdArgument(domain.Id), "mac=" + mac };
        if (bridge is not null) args.Add("bridge=" + bridge);
        return RunAsync(args, cancellationToken, TimeSpan.FromSeconds(120));
    }

    /// <summary>xl network-detach by device index.</summary>
    public Task<CommandResult> NetworkDetachAsync(XenDomain domain, int devId, CancellationToken cancellationToken, bool check = true) =>
        RunAsync(new[] { "network-detach", IdArgument(domain.Id), devId.ToString(CultureInfo.InvariantCulture) }, cancellationToken, TimeSpan.FromSeconds(120), check);

    public Task<CommandResult> CdInsertAsync(XenDomain domain, string vdev, string path, CancellationToken cancellationToken) =>
        RunAsync(new[] { "cd-insert", IdArgument(domain.Id), vdev, path }, cancellationToken);

    public Task<CommandResult> CdEjectAsync(XenDomain domain, string vdev, CancellationToken cancellationToken) =>
        RunAsync(new[] { "cd-eject", IdArgument(domain.Id), vdev }, cancellationToken);

    /// <summary>xl vcpu-pin: <paramref name="vcpu"/> is a vCPU number or null for all; the CPU lists are checked by the caller.</summary>
    public Task<CommandResult> VcpuPinAsync(XenDomain domain, int? vcpu, string hard, string soft, CancellationToken cancellationToken) =>
        RunAsync(new[] { "vcpu-pin", IdArgument(domain.Id), vcpu?.ToString(CultureInfo.InvariantCulture) ?? "all", hard, soft }, cancellationToken);

    /// <summary>The xl command of a scheduler: sched-credit2 or sched-credit (others have no weight and cap).</summary>
    public static string SchedCommand(string? scheduler) => scheduler switch
    {
        "credit2" => "sched-credit2",
        "credit" => "sched-credit",
        _ => throw new XenException("XenSchedulerUnsupported", XenErrorKind.InvalidOperation,
            $"The host's scheduler is '{scheduler}': only credit and credit2 have a weight and a cap."),
    };

    /// <summary>Sets weight and/or cap with the host's scheduler command (xl sched-credit2 / sched-credit -d ID).</summary>
    public Task<CommandResult> SchedSetAsync(XenDomain domain, string scheduler, int? weight, int? cap, CancellationToken cancellationToken)
    {
        var args = new List<string> { SchedCommand(scheduler), "-d", IdArgument(domain.Id) };
        if (weight is { } w) { args.Add("-w"); args.Add(w.ToString(CultureInfo.InvariantCulture)); }
        if (cap is { } c) { args.Add("-c"); args.Add(c.ToString(CultureInfo.InvariantCulture)); }
        return RunAsync(args, cancellationToken);
    }

    /// <summary>The weight and cap of every domain (xl sched-credit2, or xl sched-credit on a credit host).</summary>
    public async Task<List<XenSchedulerParameters>> SchedListAsync(string scheduler, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { SchedCommand(scheduler) }, cancellationToken).ConfigureAwait(false);
        return XlSchedParser.Parse(result.StandardOutput, scheduler);
    }

    /// <summary>The weight and cap of every domain for Get-XenDomain -Detailed: xl sched-credit2, or xl sched-credit when
    /// that lists nothing (a credit host). Empty, with a Debug line, when neither answers (another scheduler).</summary>
    public async Task<List<XenSchedulerParameters>> TrySchedListAsync(CancellationToken cancellationToken)
    {
        foreach (var scheduler in new[] { "credit2", "credit" })
        {
            try
            {
                var list = await SchedListAsync(scheduler, cancellationToken).ConfigureAwait(false);
                if (list.Count > 0) return list;
            }
            catch (XenCommandException ex)
            {
                Output.WriteDebug($"xl {SchedCommand(scheduler)} failed ({ex.Message.Split('\n')[0]}): no weight and cap from it.");
            }
        }
        return new List<XenSchedulerParameters>();
    }

    /// <summary>xentop -b -f -i 2 -d <paramref name="intervalSec"/>: the second sample (the first has no CPU percentage).
    /// -f: xentop has no id column, a row is known by its name only, and without -f it cuts names to 10 characters
    /// (web-server-1 and web-server-2 would both be "web-server").</summary>
    public async Task<List<XenDomainStatistic>> XentopAsync(int intervalSec, CancellationToken cancellationToken)
    {
        var args = new[] { "-b", "-f", "-i", "2", "-d", intervalSec.ToString(CultureInfo.InvariantCulture) };
        var result = await RunToolAsync(Host, Output, "xentop", args, cancellationToken, TimeSpan.FromSeconds(2 * intervalSec + 60)).ConfigureAwait(false);
        var samples = XentopParser.ParseSamples(result.StandardOutput, Host.ComputerName);
        if (samples.Count == 0)
        {
            throw new XenException("XenStatisticsUnreadable", XenErrorKind.InvalidResult,
                $"xentop -b printed no sample on host '{Host.ComputerName}'.") { ComputerName = Host.ComputerName };
        }
        var now = DateTimeOffset.Now;
        var last = samples[^1];
        foreach (var s in last) s.Timestamp = now;
        return last;
    }
}
