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

/// <summary>Typed xl operations on one host: runs xl, writes the command line to Verbose and the raw output to Debug
/// (passwords masked by <see cref="SecretRedactor"/>: xl list -l prints them), turns a failure into a classified
/// <see cref="XenCommandException"/> and parses what comes back.</summary>
public sealed partial class XlClient
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
    public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null, bool check = true, Action<string>? onStandardErrorLine = null, bool? supervised = null)
        => RunToolAsync(Host, Output, "xl", arguments, cancellationToken, timeout, check, onStandardErrorLine, supervised);

    /// <summary>Runs any tool on a host with the same Verbose/Debug/error handling as xl. A run allowed more than
    /// <see cref="DefaultTimeout"/> (xl save, restore, create, migrate, shutdown -w; pkg; zfs) is a long operation: on an
    /// SSH host it is supervised (<see cref="HostRunOptions.Supervised"/>), so that Ctrl+C, the time limit or a lost
    /// connection stop it on the host too. <paramref name="supervised"/> says so explicitly, whatever the limit.</summary>
    public static async Task<CommandResult> RunToolAsync(IXenHost host, IXenOutput output, string tool, IReadOnlyList<string> arguments,
        CancellationToken cancellationToken, TimeSpan? timeout = null, bool check = true, Action<string>? onStandardErrorLine = null, bool? supervised = null)
    {
        var options = new HostRunOptions
        {
            Timeout = timeout ?? DefaultTimeout,
            Supervised = supervised ?? (timeout is { } limit && limit > DefaultTimeout),
            OnCommandLine = line => output.WriteVerbose("Running: " + SecretRedactor.Redact(line)),
            // Lines streamed as they come (xl -vvv to Verbose, progress): libxl logs qemu's -spice password.
            OnStandardErrorLine = onStandardErrorLine is null ? null : line => onStandardErrorLine(SecretRedactor.Redact(line)),
        };
        var result = await host.RunAsync(tool, arguments, options, cancellationToken).ConfigureAwait(false);
        output.WriteDebug(DescribeResult(host.Describe(tool, arguments), result));
        if (check && result.ExitCode != 0) throw XlErrorClassifier.Classify(result, host.Describe(tool, arguments), host.ComputerName);
        return result;
    }

    /// <summary>Runs a script that carries its own supervisor (<see cref="RemoteSupervisor"/>: its standard input is its
    /// lifeline, held open here) and stands for one xl command: Verbose shows that command, <paramref name="display"/>,
    /// with <paramref name="note"/>; standard error lines are redacted before <paramref name="onStandardErrorLine"/>; Debug
    /// gets the result. The exit code is not checked: each script has its own.</summary>
    public static async Task<CommandResult> RunSelfSupervisedAsync(IXenHost host, IXenOutput output, ShellScript script, string display, string note,
        TimeSpan timeout, Action<string>? onStandardErrorLine, CancellationToken cancellationToken)
    {
        var options = new HostRunOptions
        {
            Timeout = timeout,
            HoldInputOpen = true, // the lifeline of the script's own supervisor (it is not wrapped again)
            OnCommandLine = _ => output.WriteVerbose("Running: " + SecretRedactor.Redact(display) + " (" + note + ")"),
            // as every xl run's (RunToolAsync): libxl's lines may carry qemu's -spice password
            OnStandardErrorLine = onStandardErrorLine is null ? null : line => onStandardErrorLine(SecretRedactor.Redact(line)),
        };
        var result = await host.RunScriptAsync(script, options, cancellationToken).ConfigureAwait(false);
        output.WriteDebug(DescribeResult(display, result));
        return result;
    }

    /// <summary>Runs a read-only xl query (list, info, vcpu-list, uptime): like <see cref="RunAsync"/> with check, and
    /// marked <see cref="HostRunOptions.Query"/>, so that a session's host may answer it through its query channel.</summary>
    private async Task<CommandResult> QueryAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var options = new HostRunOptions { Timeout = DefaultTimeout, Query = true, OnCommandLine = line => Output.WriteVerbose("Running: " + SecretRedactor.Redact(line)) };
        var result = await Host.RunAsync("xl", arguments, options, cancellationToken).ConfigureAwait(false);
        Output.WriteDebug(DescribeResult(Host.Describe("xl", arguments), result));
        if (result.ExitCode != 0) throw XlErrorClassifier.Classify(result, Host.Describe("xl", arguments), Host.ComputerName);
        return result;
    }

    /// <summary>The command line, exit code, time and output of a run, for Debug: every password masked.</summary>
    public static string DescribeResult(string commandLine, CommandResult result)
    {
        var sb = new StringBuilder();
        sb.Append(commandLine).Append(" -> exit code ").Append(result.ExitCode.ToString(CultureInfo.InvariantCulture))
          .Append(" in ").Append(result.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)).Append(" s");
        if (result.StandardOutput.Length > 0) sb.Append("\nstdout:\n").Append(result.StandardOutput.TrimEnd('\n'));
        if (result.StandardError.Length > 0) sb.Append("\nstderr:\n").Append(result.StandardError.TrimEnd('\n'));
        return SecretRedactor.Redact(sb.ToString());
    }

    /// <summary>xl list -v: every domain, with its UUID (the same call as xl list, with the UUID column): an action
    /// acts on the instance it resolved, the id it has and the UUID it had (<see cref="FindInstanceAsync"/>).</summary>
    public async Task<List<XenDomain>> ListAsync(CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "list", "-v" }, cancellationToken).ConfigureAwait(false);
        return XlListParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    /// <summary>The id as xl takes it: decimal digits, which xl always reads as a domain id (never as a name).</summary>
    public static string IdArgument(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>True when <paramref name="candidate"/> is the instance <paramref name="instance"/> was: the same id and,
    /// when both are known, the same UUID.</summary>
    public static bool IsSameInstance(XenDomain instance, XenDomain? candidate) =>
        candidate is not null && candidate.Id == instance.Id && SameGuest(instance, candidate);

    /// <summary>True when <paramref name="candidate"/> is the same guest as <paramref name="domain"/>, possibly another
    /// instance of it (a restart under a new id keeps the UUID): the same UUID when both are known, else the same name
    /// (exactly: xl names differ by case).</summary>
    public static bool SameGuest(XenDomain domain, XenDomain candidate) =>
        domain.Uuid is { } uuid && candidate.Uuid is { } other ? uuid == other : string.Equals(domain.Name, candidate.Name, StringComparison.Ordinal);

    /// <summary>xl list -l: the configuration of every domain xl can retrieve it for.</summary>
    public async Task<List<XlDomainConfig>> ListLongAsync(CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "list", "-l" }, cancellationToken).ConfigureAwait(false);
        return XlListJsonParser.Parse(result.StandardOutput);
    }

    /// <summary>xl list and xl list -l, merged by domid. Domains missing from the JSON keep IsDetailed false. On a
    /// remote host both run in one script (<see cref="DetailedListScript"/>): one SSH round trip; on this machine they
    /// are two programs run at the same time (xl found by <see cref="ToolResolver"/>, XENPS_XL_PATH honoured).</summary>
    public async Task<List<XenDomain>> ListDetailedAsync(CancellationToken cancellationToken)
    {
        // A domain that restarted between the two (on_reboot="restart" gives it a new id) is in one under its old id
        // and in the other under its new one, or, when xl list -l ran in the 2-3 s between the old instance and the
        // new, missing from the JSON altogether: read both again (after a second, in the second case), a few times at
        // most, so that its details are not lost to that race. Domain-0 is never in xl list -l, and is no reason to
        // read again.
        for (var attempt = 1; ; attempt++)
        {
            var (domains, configList, sched) = await ReadBothAsync(cancellationToken).ConfigureAwait(false);
            var configs = configList.GroupBy(c => c.DomId).ToDictionary(g => g.Key, g => g.First());
            var missing = domains.Where(d => d.Id != 0 && !configs.ContainsKey(d.Id)).ToList();
            var restarted = missing.Where(d => configs.Values.Any(c => c.Name == d.Name)).ToList();
            if (missing.Count > 0 && attempt < 3)
            {
                if (restarted.Count > 0)
                {
                    Output.WriteDebug($"{string.Join(", ", restarted.Select(d => d.Name))} restarted while being read (another id in xl list -l than in xl list): reading again.");
                }
                else
                {
                    Output.WriteDebug($"xl list -l gave no configuration for {string.Join(", ", missing.Select(d => d.Name))} (restarting, or not known to xl): reading again in a second.");
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            foreach (var domain in domains)
            {
                if (configs.TryGetValue(domain.Id, out var config)) XlListJsonParser.Apply(config, domain);
                else Output.WriteDebug($"xl list -l gave no configuration for domain {domain.Name} ({domain.Id}); it is shown without details.");
                // Weight and cap (xl sched-credit2 or sched-credit), read in the same round trip on a remote host.
                if (sched?.FirstOrDefault(p => p.Id == domain.Id) is { } p)
                {
                    domain.Weight = p.Weight;
                    domain.Cap = p.Cap;
                }
            }
            return domains;
        }
    }

    private async Task<(List<XenDomain> Domains, List<XlDomainConfig> Configs, List<XenSchedulerParameters>? Sched)> ReadBothAsync(CancellationToken cancellationToken)
    {
        if (Host.IsLocal)
        {
            var listTask = ListAsync(cancellationToken);
            var longTask = ListLongAsync(cancellationToken);
            var schedTask = TrySchedListAsync(cancellationToken);
            await Task.WhenAll(listTask, longTask, schedTask).ConfigureAwait(false);
            return (await listTask.ConfigureAwait(false), await longTask.ConfigureAwait(false), await schedTask.ConfigureAwait(false));
        }

        var separator = "xenps-list-l-" + Guid.NewGuid().ToString("N");
        var description = $"[{Host.ComputerName}] xl list -v; xl list -l";
        var options = new HostRunOptions { Timeout = DefaultTimeout, Query = true, OnCommandLine = line => Output.WriteVerbose("Running: " + line) };
        var result = await Host.RunScriptAsync(DetailedListScript(separator), options, cancellationToken).ConfigureAwait(false);
        Output.WriteDebug(DescribeResult(description, result));
        var parts = SplitDetailedOutput(result.StandardOutput, separator);
        if (result.ExitCode != 0)
        {
            var failed = parts is null ? $"[{Host.ComputerName}] xl list -v" : $"[{Host.ComputerName}] xl list -l";
            throw XlErrorClassifier.Classify(result, failed, Host.ComputerName);
        }
        if (parts is not { } both)
        {
            throw new XenException("XenUnexpectedOutput", XenErrorKind.InvalidResult,
                $"Host '{Host.ComputerName}' answered xl list and xl list -l without the line that separates them.") { ComputerName = Host.ComputerName };
        }
        // The scheduler part: absent when the script was cut after xl list -l (no weights then, nothing else lost).
        var json = both.Long;
        List<XenSchedulerParameters>? sched = null;
        if (SplitDetailedOutput(both.Long, separator + "-credit2") is { } withSched)
        {
            json = withSched.List;
            if (SplitDetailedOutput(withSched.Long, separator + "-credit") is { } bySched)
            {
                sched = XlSchedParser.Parse(bySched.List, "credit2");
                if (sched.Count == 0) sched = XlSchedParser.Parse(bySched.Long, "credit");
            }
        }
        return (XlListParser.Parse(both.List, Host.ComputerName), XlListJsonParser.Parse(json), sched);
    }

    /// <summary>The script that reads xl list and xl list -l in one round trip: xl list, then a line holding only
    /// <paramref name="separator"/> (random for each call, so no domain name can forge it), then xl list -l. It stops at
    /// the first failure with that exit code; a missing xl is exit code 127 with a clear message.</summary>
    internal static ShellScript DetailedListScript(string separator) => ShellScript
        .Of($"command -v xl >/dev/null 2>&1 || {{ printf '%s\\n' {"xenps: xl: not found on this host"} >&2; exit 127; }}")
        .Line($"xl list -v </dev/null || exit")
        .Line($"printf '%s\\n' {separator}")
        .Line($"xl list -l </dev/null || exit")
        // The weight and cap of each domain, from whichever scheduler the host runs (the other prints nothing).
        .Line($"printf '%s\\n' {separator + "-credit2"}")
        .Line($"xl sched-credit2 </dev/null 2>/dev/null")
        .Line($"printf '%s\\n' {separator + "-credit"}")
        .Line($"xl sched-credit </dev/null 2>/dev/null")
        .Line($"exit 0");

    /// <summary>Splits what <see cref="DetailedListScript"/> printed at its separator line: null when there is none
    /// (xl list failed, or the output was cut).</summary>
    internal static (string List, string Long)? SplitDetailedOutput(string stdout, string separator)
    {
        var line = separator + "\n";
        int at;
        if (stdout.StartsWith(line, StringComparison.Ordinal)) at = 0;
        else
        {
            at = stdout.IndexOf("\n" + line, StringComparison.Ordinal);
            if (at < 0) return null;
            at++;
        }
        return (stdout.Substring(0, at), stdout.Substring(at + line.Length));
    }

    public async Task<XenHost> InfoAsync(CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "info" }, cancellationToken).ConfigureAwait(false);
        return XlInfoParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    public async Task<List<XenVCpu>> VcpuListAsync(IEnumerable<string> domains, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "vcpu-list" }.Concat(domains).ToArray(), cancellationToken).ConfigureAwait(false);
        return XlVcpuListParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    public async Task<List<XenDomainUptime>> UptimeAsync(IEnumerable<string> domains, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(new[] { "uptime" }.Concat(domains).ToArray(), cancellationToken).ConfigureAwait(false);
        return XlUptimeParser.Parse(result.StandardOutput, Host.ComputerName);
    }

    /// <summary>The domain named exactly <paramref name="name"/> (xl names are case-sensitive: web01 is not WEB01, and
    /// an all-digit name is a name, not an id), or null.</summary>
    public async Task<XenDomain?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));

    /// <summary>The instance <paramref name="instance"/> as xl lists it now: the domain at its id, when it still has
    /// its UUID; null when it is gone (or its id now belongs to another domain).</summary>
    public async Task<XenDomain?> FindInstanceAsync(XenDomain instance, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => IsSameInstance(instance, d));

    /// <summary>Polls xl list (every <paramref name="interval"/>) until <paramref name="done"/> holds for the first
    /// domain that <paramref name="match"/> picks (null when none) or the time runs out; returns the last state seen
    /// and whether it was reached.</summary>
    public async Task<(bool Reached, XenDomain? Domain)> WaitForAsync(Func<XenDomain, bool> match, Func<XenDomain?, bool> done, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var current = (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(match);
            if (done(current)) return (true, current);
            if (DateTime.UtcNow >= deadline) return (false, current);
            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><see cref="WaitForAsync(Func{XenDomain, bool}, Func{XenDomain?, bool}, TimeSpan, CancellationToken, TimeSpan?)"/>
    /// for the domain named exactly <paramref name="name"/>.</summary>
    public Task<(bool Reached, XenDomain? Domain)> WaitForAsync(string name, Func<XenDomain?, bool> done, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null) =>
        WaitForAsync(d => string.Equals(d.Name, name, StringComparison.Ordinal), done, timeout, cancellationToken, interval);

    /// <summary>True when a domain has gone, or has shut down and is kept (on_poweroff="preserve": "---s--"). A domain
    /// that is shut down but still paused or dying ("--ps--", "---s-d") is on its way out: xl's daemon is destroying it.</summary>
    public static bool IsDown(XenDomain? domain) =>
        domain is null ||
        ((domain.State & XenDomainState.Shutdown) != 0 && (domain.State & (XenDomainState.Paused | XenDomainState.Dying)) == 0);

    /// <summary>
    /// How long a domain's name must stay out of xl list before the domain counts as gone for good, when xl's daemon
    /// log does not say what became of it: when a guest reboots, the daemon destroys the old instance, sleeps 2 s and
    /// creates a new one under the same name (2.1 to 3.4 s on the lab's Dom0 under TCG). $env:XENPS_RESTART_SETTLE_SEC
    /// sets it (0 trusts the first xl list that no longer shows the name).
    /// </summary>
    public static TimeSpan RestartSettle =>
        Environment.GetEnvironmentVariable("XENPS_RESTART_SETTLE_SEC") is { Length: > 0 } text &&
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(8);

    /// <summary>How long a restart that xl's daemon announced in its log may take to show in xl list.</summary>
    public static readonly TimeSpan AnnouncedRestartLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After the instance <paramref name="gone"/> left xl list: the new instance when the guest was restarting
    /// (on_reboot="restart" and the like), or null when it is gone for good. The new instance is the same guest: another
    /// id, the same UUID (xl's daemon keeps it; a domain of the same name with another UUID is someone else's, and is
    /// not taken for it). xl's daemon log (xl-NAME.log) decides when it can: "has been destroyed" or "Done. Exiting now"
    /// end the wait at once, an action that restarts makes it wait for the new instance; without a word there, the
    /// guest must stay absent for <see cref="RestartSettle"/>: the wait ends only with a look that began that long after
    /// the first one.
    /// </summary>
    public async Task<XenDomain?> FindRestartedAsync(XenDomain gone, CancellationToken cancellationToken)
    {
        var name = gone.Name;
        var goneId = gone.Id;
        var start = DateTime.UtcNow;
        var announced = false;
        while (true)
        {
            var lookedAfter = DateTime.UtcNow - start;
            var back = (await ListAsync(cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(d => d.Id != goneId && string.Equals(d.Name, name, StringComparison.Ordinal) && SameGuest(gone, d));
            if (back is not null) return back;
            var outcome = await DaemonOutcomeAsync(name, goneId, cancellationToken).ConfigureAwait(false);
            if (outcome == XlDaemonOutcome.Exited) return null;
            if (outcome == XlDaemonOutcome.Restarting && !announced)
            {
                announced = true;
                Output.WriteVerbose($"{name} (id {goneId}) shut down to restart (xl's daemon says so in its log): waiting for the new instance.");
            }
            var limit = announced ? AnnouncedRestartLimit : RestartSettle;
            if (lookedAfter >= limit)
            {
                if (announced) Output.WriteWarning($"xl's daemon announced a restart of {name}, but no new instance appeared within {limit.TotalSeconds:0} s.");
                return null;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What xl's daemon log says of one instance; Unknown when the log cannot be read (or the name cannot
    /// name a file: <see cref="XenDomainName"/>).</summary>
    private async Task<XlDaemonOutcome> DaemonOutcomeAsync(string name, int id, CancellationToken cancellationToken)
    {
        if (!XenDomainName.IsValid(name)) return XlDaemonOutcome.Unknown;
        try
        {
            var entries = await new XenLogReader(Host, NullXenOutput.Instance).ReadAsync(XenLogKind.Xl, name, 60, cancellationToken).ConfigureAwait(false);
            var outcome = XlDaemonLogParser.Outcome(entries.Select(e => e.Line), id);
            Output.WriteDebug($"xl's daemon log for {name} (id {id}): {outcome}.");
            return outcome;
        }
        catch (XenException ex)
        {
            Output.WriteDebug($"xl's daemon log for {name} could not be read: {ex.Message}");
            return XlDaemonOutcome.Unknown;
        }
    }

    /// <summary>Polls xl list until the instance <paramref name="instance"/> (its id, with its UUID) satisfies
    /// <paramref name="done"/> (null once it no longer exists) or the time runs out; returns whether it did and the
    /// instance as last seen.</summary>
    public Task<(bool Reached, XenDomain? Domain)> WaitForInstanceAsync(XenDomain instance, Func<XenDomain?, bool> done, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null) =>
        WaitForAsync(d => IsSameInstance(instance, d), done, timeout, cancellationToken, interval);

    /// <summary>
    /// Destroys the instance <paramref name="instance"/> (as resolved: its id and UUID) and waits until it is gone, and
    /// with it every new instance of the same guest. Right before each xl destroy, xl list is read again: the domain at
    /// that id must still have the UUID it had (an id freed by a domain that died can be given to a new one); when it
    /// has another, nothing is destroyed and XenDomainChanged says so. xl destroy is given the id, never the name.
    /// Robust against xl's own daemon: a destroy that fails because the daemon finished the instance first counts as
    /// done, and an instance that comes back (the guest rebooted itself just before, and on_reboot="restart" recreates
    /// it about 2 s after the old one is gone, under a new id with the same UUID) is destroyed too
    /// (<see cref="FindRestartedAsync"/>).
    /// </summary>
    public async Task DestroyAndWaitAsync(XenDomain instance, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var label = XenDomainName.Display(instance.Name);
        XenDomain? current = instance;
        for (var attempt = 0; current is not null; attempt++)
        {
            if (attempt >= 4 || DateTime.UtcNow > deadline)
            {
                throw new XenException("XenDestroyTimeout", XenErrorKind.OperationTimeout,
                    $"{label} was still there after xl destroy (id {current.Id}, state {current.StateText}).") { ComputerName = Host.ComputerName };
            }
            if (attempt > 0) Output.WriteVerbose($"{label} came back as id {current.Id} (it rebooted meanwhile and on_reboot restarted it): destroying that instance too.");

            // The last look before the destroy: the id must still be this instance.
            var all = await ListAsync(cancellationToken).ConfigureAwait(false);
            var atId = all.FirstOrDefault(d => d.Id == current.Id);
            if (atId is not null && !IsSameInstance(current, atId)) throw Changed(current, atId);
            if (atId is not null)
            {
                var id = IdArgument(current.Id);
                CommandResult? failed = null;
                try
                {
                    await RunAsync(new[] { "destroy", id }, cancellationToken).ConfigureAwait(false);
                }
                catch (XenCommandException ex)
                {
                    failed = new CommandResult(ex.Tool, ex.Arguments, ex.ExitCode, ex.StandardOutput, ex.StandardError, TimeSpan.Zero);
                }
                // Wait for that instance to disappear.
                var remaining = deadline - DateTime.UtcNow;
                var (gone, _) = await WaitForInstanceAsync(current, d => d is null, remaining > TimeSpan.FromSeconds(5) ? remaining : TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (!gone && failed is not null) throw XlErrorClassifier.Classify(failed, Host.Describe("xl", new[] { "destroy", id }), Host.ComputerName);
                if (failed is not null) Output.WriteVerbose($"xl destroy {id} reported errors, but the domain is gone (xl's daemon was already destroying it).");
                if (!gone)
                {
                    current = await FindInstanceAsync(current, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            else
            {
                Output.WriteVerbose($"{label} (id {current.Id}) is already gone.");
            }
            current = await FindRestartedAsync(current, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>XenDomainChanged: the id of a resolved instance now belongs to another domain (the instance is gone).</summary>
    private XenException Changed(XenDomain instance, XenDomain now) => new("XenDomainChanged", XenErrorKind.InvalidOperation,
        $"The domain with id {instance.Id} on host '{Host.ComputerName}' is no longer {XenDomainName.Display(instance.Name)} (UUID {instance.Uuid}) " +
        $"but {XenDomainName.Display(now.Name)} (UUID {now.Uuid}): {XenDomainName.Display(instance.Name)} is gone and its id was given to another domain. Nothing was done to it.")
    { ComputerName = Host.ComputerName };

    public Task<CommandResult> PauseAsync(XenDomain domain, CancellationToken cancellationToken) =>
        RunAsync(new[] { "pause", IdArgument(domain.Id) }, cancellationToken);

    public Task<CommandResult> UnpauseAsync(XenDomain domain, CancellationToken cancellationToken) =>
        RunAsync(new[] { "unpause", IdArgument(domain.Id) }, cancellationToken);

    /// <summary>xl mem-set in MiB (xl's own default unit is KiB, so the "m" suffix is always written).</summary>
    public Task<CommandResult> MemSetAsync(XenDomain domain, long memoryMB, CancellationToken cancellationToken) =>
        RunAsync(new[] { "mem-set", IdArgument(domain.Id), memoryMB.ToString(CultureInfo.InvariantCulture) + "m" }, cancellationToken);

    public Task<CommandResult> VcpuSetAsync(XenDomain domain, int vcpus, CancellationToken cancellationToken) =>
        RunAsync(new[] { "vcpu-set", IdArgument(domain.Id), vcpus.ToString(CultureInfo.InvariantCulture) }, cancellationToken);

    /// <summary>xl shutdown (or reboot) of one domain. With <paramref name="wait"/> xl itself waits (-w) up to
    /// <paramref name="timeout"/>. A guest without PV drivers (HVM) cannot be asked through the PV control interface:
    /// xl then says "Use -F to fallback to ACPI power event", and the request is sent again with -F.</summary>
    public async Task<CommandResult> ShutdownAsync(XenDomain domain, bool reboot, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var args = new List<string> { reboot ? "reboot" : "shutdown" };
        if (wait) args.Add("-w");
        args.Add(IdArgument(domain.Id));
        try
        {
            return await RunAsync(args, cancellationToken, timeout).ConfigureAwait(false);
        }
        catch (XenCommandException ex) when (ex.ErrorId == "XenNoPvControl")
        {
            Output.WriteVerbose($"{XenDomainName.Display(domain.Name)} has no PV drivers: sending the ACPI {(reboot ? "reset" : "power button")} event instead (xl {args[0]} -F).");
            args.Insert(1, "-F");
            return await RunAsync(args, cancellationToken, timeout).ConfigureAwait(false);
        }
    }

    /// <summary>Adds the last lines of the domain's logs (written in the last few minutes) to a failure, and points
    /// to Get-XenLog.</summary>
    public async Task AttachLogsAsync(XenException exception, string name, int minutes, CancellationToken cancellationToken)
    {
        if (!XenDomainName.IsValid(name)) return;
        var lines = await new XenLogReader(Host, Output).RecentLinesAsync(name, 10, minutes, cancellationToken).ConfigureAwait(false);
        if (lines.Count > 0) exception.LogLines = new[] { "Last lines of the logs on " + Host.ComputerName + ":" }.Concat(lines).ToArray();
        var where = Host.IsLocal ? string.Empty : " -ComputerName " + Host.ComputerName;
        exception.RecommendedAction ??= $"Read the logs with: Get-XenLog -Name {name} -Kind Xl, DeviceModel{where} (and Get-XenLog -Kind Hypervisor{where}); run again with -Verbose to see xl's libxl debug lines.";
    }

    /// <summary>xl restore: recreates a domain from a file written by xl save and returns it (the domain that
    /// appeared in xl list, named <paramref name="expectedName"/> when several did).</summary>
    public async Task<XenDomain> RestoreAsync(string path, bool paused, string? expectedName, TimeSpan timeout, CancellationToken cancellationToken, Action<string>? onStandardErrorLine = null)
    {
        var before = new HashSet<int>((await ListAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.Id));
        var args = new List<string> { "restore" };
        if (paused) args.Add("-p");
        args.Add(path);
        try
        {
            await RunAsync(args, cancellationToken, timeout, check: true, onStandardErrorLine, supervised: true).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is XenCommandException { ExitCode: >= 128 } || ex is XenCommandTimeoutException) && !cancellationToken.IsCancellationRequested)
        {
            Output.WriteWarning($"xl restore {path} did not end cleanly ({ex.Message.Split('\n')[0]}); looking for the domain in xl list.");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var fresh = (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(d => !before.Contains(d.Id)).ToList();
            var match = fresh.FirstOrDefault(d => expectedName is not null && d.Name == expectedName) ?? (fresh.Count == 1 ? fresh[0] : null);
            if (match is not null) return match;
            if (DateTime.UtcNow >= deadline)
            {
                throw new XenException("XenDomainNotCreated", XenErrorKind.InvalidResult,
                    $"xl restore {path} ended, but no new domain appeared on host '{Host.ComputerName}'" +
                    (fresh.Count > 1 ? $" that can be told apart ({string.Join(", ", fresh.Select(d => d.Name))})." : "."))
                { ComputerName = Host.ComputerName };
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// xl create, then the truth from xl list: under load xl create has been seen to crash at exit (or hang) after
    /// the domain was created, so a crash, a kill by signal or a time-out is followed by a look at xl list; when the
    /// domain is there it is returned with a warning. The domain this create made is the one named exactly
    /// <paramref name="name"/> whose id was not in xl list before (<paramref name="existingIds"/>, read here when not
    /// given: <see cref="FindCreatedAsync"/>), never an older domain of a similar name. With <paramref name="verbose"/>
    /// xl runs with -vvv and its libxl debug lines are streamed to Verbose as they come.
    /// </summary>
    public async Task<XenDomain> CreateAsync(string configPath, string name, bool paused, bool verbose, CancellationToken cancellationToken, TimeSpan? timeout = null,
        IReadOnlyCollection<int>? existingIds = null)
    {
        var before = existingIds ?? (await ListAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.Id).ToList();
        bool Created(XenDomain d) => string.Equals(d.Name, name, StringComparison.Ordinal) && !before.Contains(d.Id);
        var args = new List<string>();
        if (verbose) args.Add("-vvv");
        args.Add("create");
        if (paused) args.Add("-p");
        args.Add(configPath);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await RunAsync(args, cancellationToken, timeout ?? TimeSpan.FromSeconds(180), check: true,
                onStandardErrorLine: verbose ? line => Output.WriteVerbose(line) : null, supervised: true).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is XenCommandException { ExitCode: >= 128 } || ex is XenCommandTimeoutException) && !cancellationToken.IsCancellationRequested)
        {
            var (found, domain) = await WaitForAsync(Created, d => d is not null, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            if (!found) throw;
            Output.WriteWarning($"xl create {configPath} did not end cleanly ({ex.Message.Split('\n')[0]}), but the domain {XenDomainName.Display(name)} was created (id {domain!.Id}).");
            return domain;
        }
        catch (XenCommandException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the log files written since this create began (rounded up to whole minutes) can explain it.
            await AttachLogsAsync(ex, name, (int)Math.Ceiling(watch.Elapsed.TotalMinutes) + 1, cancellationToken).ConfigureAwait(false);
            throw;
        }
        var (exists, created) = await WaitForAsync(Created, d => d is not null, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        if (!exists)
        {
            throw new XenException("XenDomainNotCreated", XenErrorKind.InvalidResult,
                $"xl create {configPath} succeeded but no new domain named {XenDomainName.Quote(name)} exists on host '{Host.ComputerName}' (does the name in the file differ, or did it stop at once?).")
            { ComputerName = Host.ComputerName };
        }
        return created!;
    }

    /// <summary>The domains a create of <paramref name="name"/> made: named exactly so, with an id that xl list did not
    /// show before it (<paramref name="existingIds"/>). What a rollback may destroy, and nothing else.</summary>
    public async Task<List<XenDomain>> FindCreatedAsync(string name, IReadOnlyCollection<int> existingIds, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(d => string.Equals(d.Name, name, StringComparison.Ordinal) && !existingIds.Contains(d.Id)).ToList();
}
