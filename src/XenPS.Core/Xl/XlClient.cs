using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Parsing;

namespace XenPS.Core.Xl;

/// <summary>Typed xl operations on one host: runs xl, writes the command line to Verbose and the raw output to Debug,
/// turns a failure into a classified <see cref="XenCommandException"/> and parses what comes back.</summary>
public sealed class XlClient
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public XlClient(IXenHost host, IXenOutput? output = null)
    {
        Host = host;
        Output = output ?? NullXenOutput.Instance;
    }

    public IXenHost Host { get; }

    public IXenOutput Output { get; }

    /// <summary>Runs xl with <paramref name="arguments"/>. With <paramref name="check"/> a non-zero exit code throws.</summary>
    public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null, bool check = true, Action<string>? onStandardErrorLine = null)
        => RunToolAsync(Host, Output, "xl", arguments, cancellationToken, timeout, check, onStandardErrorLine);

    /// <summary>Runs any tool on a host with the same Verbose/Debug/error handling as xl.</summary>
    public static async Task<CommandResult> RunToolAsync(IXenHost host, IXenOutput output, string tool, IReadOnlyList<string> arguments,
        CancellationToken cancellationToken, TimeSpan? timeout = null, bool check = true, Action<string>? onStandardErrorLine = null)
    {
        var options = new HostRunOptions
        {
            Timeout = timeout ?? DefaultTimeout,
            OnCommandLine = line => output.WriteVerbose("Running: " + line),
            OnStandardErrorLine = onStandardErrorLine,
        };
        var result = await host.RunAsync(tool, arguments, options, cancellationToken).ConfigureAwait(false);
        output.WriteDebug(DescribeResult(host.Describe(tool, arguments), result));
        if (check && result.ExitCode != 0) throw XlErrorClassifier.Classify(result, host.Describe(tool, arguments), host.ComputerName);
        return result;
    }

    public static string DescribeResult(string commandLine, CommandResult result)
    {
        var sb = new StringBuilder();
        sb.Append(commandLine).Append(" -> exit code ").Append(result.ExitCode.ToString(CultureInfo.InvariantCulture))
          .Append(" in ").Append(result.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)).Append(" s");
        if (result.StandardOutput.Length > 0) sb.Append("\nstdout:\n").Append(result.StandardOutput.TrimEnd('\n'));
        if (result.StandardError.Length > 0) sb.Append("\nstderr:\n").Append(result.StandardError.TrimEnd('\n'));
        return sb.ToString();
    }

    /// <summary>xl list: every domain.</summary>
    public async Task<List<XenDomain>> ListAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(new[] { "list" }, cancellationToken).ConfigureAwait(false);
        return XlListParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    /// <summary>xl list -l: the configuration of every domain xl can retrieve it for.</summary>
    public async Task<List<XlDomainConfig>> ListLongAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(new[] { "list", "-l" }, cancellationToken).ConfigureAwait(false);
        return XlListJsonParser.Parse(result.StandardOutput);
    }

    /// <summary>xl list and xl list -l at the same time, merged by domid. Domains missing from the JSON keep IsDetailed false.</summary>
    public async Task<List<XenDomain>> ListDetailedAsync(CancellationToken cancellationToken)
    {
        var listTask = ListAsync(cancellationToken);
        var longTask = ListLongAsync(cancellationToken);
        await Task.WhenAll(listTask, longTask).ConfigureAwait(false);
        var domains = await listTask.ConfigureAwait(false);
        var configs = (await longTask.ConfigureAwait(false)).GroupBy(c => c.DomId).ToDictionary(g => g.Key, g => g.First());
        foreach (var domain in domains)
        {
            if (configs.TryGetValue(domain.Id, out var config)) XlListJsonParser.Apply(config, domain);
            else Output.WriteDebug($"xl list -l gave no configuration for domain {domain.Name} ({domain.Id}); it is shown without details.");
        }
        return domains;
    }

    public async Task<XenHost> InfoAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(new[] { "info" }, cancellationToken).ConfigureAwait(false);
        return XlInfoParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    public async Task<List<XenVCpu>> VcpuListAsync(IEnumerable<string> domains, CancellationToken cancellationToken)
    {
        var result = await RunAsync(new[] { "vcpu-list" }.Concat(domains).ToArray(), cancellationToken).ConfigureAwait(false);
        return XlVcpuListParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    public async Task<List<XenDomainUptime>> UptimeAsync(IEnumerable<string> domains, CancellationToken cancellationToken)
    {
        var result = await RunAsync(new[] { "uptime" }.Concat(domains).ToArray(), cancellationToken).ConfigureAwait(false);
        return XlUptimeParser.Parse(result.StandardOutput, Host.ComputerName);
    }
}
