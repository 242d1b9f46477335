using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Core.Xl;

/// <summary>What Move-XenDomain asks for.</summary>
public sealed class XenMigrationRequest
{
    public XenMigrationRequest(XenDomain domain) => Domain = domain;

    /// <summary>The domain as the source's xl list shows it.</summary>
    public XenDomain Domain { get; }

    /// <summary>The destination as the source Dom0 reaches it over SSH ("host", "user@host", "host:port"); null: the
    /// destination's own SSH host name, user and port.</summary>
    public string? DestinationAddress { get; set; }

    /// <summary>xl migrate (the guest runs while its memory is copied) instead of xl save -p piped into xl restore.</summary>
    public bool Live { get; set; }

    /// <summary>The limit of the transfer itself.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(600);
}

/// <summary>A migration checked against both hosts, nothing changed yet.</summary>
public sealed class XenMigrationPlan
{
    internal XenMigrationPlan(XenMigrationRequest request, SshTarget address, IReadOnlyList<string> sshCommand)
    {
        Request = request;
        Address = address;
        SshCommand = sshCommand;
    }

    public XenMigrationRequest Request { get; }

    /// <summary>The destination as the source reaches it (the host xl migrate is given).</summary>
    public SshTarget Address { get; }

    /// <summary>The ssh command xl runs on the source (xl migrate -s), as words.</summary>
    public IReadOnlyList<string> SshCommand { get; }

    public string SshCommandText => string.Join(" ", SshCommand);

    public long RequiredMemoryMB { get; internal set; }

    public long? DestinationFreeMemoryMB { get; internal set; }

    /// <summary>The host name the destination's xl info reports (the source reached the same one).</summary>
    public string? DestinationHostName { get; internal set; }

    public IReadOnlyList<string> Disks { get; internal set; } = Array.Empty<string>();

    public List<string> Warnings { get; } = new();

    /// <summary>The command run on the source, for Verbose and -WhatIf.</summary>
    public string CommandText => Request.Live
        ? $"xl migrate -s '{SshCommandText}' {Request.Domain.Name} {Address.Host}"
        : $"xl save -p {Request.Domain.Name} /dev/stdout | {SshCommandText} {Address.Host} xl restore /dev/stdin; then xl destroy {Request.Domain.Name}";
}

/// <summary>Where a migration is: a phase (with a rough percentage) and the last line xl wrote.</summary>
public sealed class XenMigrationProgress
{
    public XenMigrationProgress(string status, int percent)
    {
        Status = status;
        Percent = percent;
    }

    public string Status { get; }
    public int Percent { get; }
}

/// <summary>
/// Moves a domain between two Xen hosts. Live: xl migrate on the source, which runs "ssh HOST xl migrate-receive"
/// itself (the memory is copied while the guest runs, then the guest is suspended for the last pages and resumed on
/// the destination; the hypervisor must be able to track dirty pages: HAP for PVH/HVM, shadow paging for PV).
/// Not live: xl save -p piped through ssh into xl restore on the destination; the guest is paused during the copy,
/// stays on the source (paused) until the destination runs it, and is only then destroyed, or unpaused when the
/// transfer failed. Before anything changes, both hosts are checked: the destination answers (from here and from the
/// source, and is the same machine), has the memory, has no domain of that name, and has the domain's disks at the
/// same paths.
/// </summary>
public sealed class XenMigrator
{
    private readonly XlClient _source;
    private readonly XlClient _destination;

    public XenMigrator(XlClient source, XlClient destination)
    {
        _source = source;
        _destination = destination;
    }

    private IXenOutput Output => _source.Output;

    /// <summary>The ssh command for xl migrate -s (and the not-live pipe): BatchMode (a prompt would hang the
    /// migration), plus the user and port of the address. The identity file and ssh_config of this machine are
    /// never passed on: they are paths here, not on the source.</summary>
    public static IReadOnlyList<string> BuildSshCommand(SshTarget address)
    {
        var words = new List<string> { "ssh", "-o", "BatchMode=yes" };
        if (address.User is not null) words.AddRange(new[] { "-l", address.User });
        if (address.Port is { } port) words.AddRange(new[] { "-p", port.ToString(CultureInfo.InvariantCulture) });
        return words;
    }

    /// <summary>The destination as the source should reach it: <paramref name="explicitAddress"/>, else the destination
    /// host's SSH host name with its user and port.</summary>
    public static SshTarget ResolveAddress(IXenHost destination, string? explicitAddress)
    {
        if (explicitAddress is not null) return SshTarget.Parse(explicitAddress);
        if (destination is SshXenHost ssh) return ssh.Target;
        throw new XenException("XenMigrationNoAddress", XenErrorKind.InvalidArgument,
            "The destination is this machine: give -DestinationAddress, the name under which the source host reaches it over SSH.");
    }

    /// <summary>Checks everything that can be checked without changing anything; throws the first problem found.</summary>
    public async Task<XenMigrationPlan> PlanAsync(XenMigrationRequest request, CancellationToken ct)
    {
        var domain = request.Domain;
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        if (string.Equals(src, dst, StringComparison.OrdinalIgnoreCase))
            throw Fail("XenMigrationSameHost", XenErrorKind.InvalidArgument, $"'{domain.Name}' already runs on '{src}': the destination must be another host.");
        if (domain.IsDom0) throw Fail("XenDomain0Protected", XenErrorKind.InvalidOperation, "Domain-0 (the Dom0 itself) cannot be moved.");
        if (XlClient.IsDown(domain))
            throw Fail("XenDomainNotRunning", XenErrorKind.InvalidOperation, $"'{domain.Name}' on '{src}' has shut down ({domain.StateText}): only a running or paused domain can be moved.");

        var address = ResolveAddress(_destination.Host, request.DestinationAddress);
        var plan = new XenMigrationPlan(request, address, BuildSshCommand(address));

        // The destination from here, and the domain's configuration on the source, at the same time.
        var infoTask = _destination.InfoAsync(ct);
        var destListTask = _destination.ListAsync(ct);
        var configsTask = _source.ListLongAsync(ct);
        XenHost info;
        try
        {
            info = await infoTask.ConfigureAwait(false);
        }
        catch (XenException ex)
        {
            throw Fail(ex.ErrorId, ex.Kind, $"The destination '{dst}' cannot be used: {ex.Summary} '{domain.Name}' was not moved.", ex);
        }
        var destDomains = await destListTask.ConfigureAwait(false);
        var configs = await configsTask.ConfigureAwait(false);

        if (destDomains.FirstOrDefault(d => d.Name == domain.Name || d.Name == domain.Name + "--incoming") is { } clash)
            throw Fail("XenDomainExists", XenErrorKind.ResourceExists, $"A domain named '{clash.Name}' already exists on '{dst}' (id {clash.Id}): '{domain.Name}' was not moved.");

        plan.RequiredMemoryMB = domain.MemoryMB;
        plan.DestinationFreeMemoryMB = info.FreeMemoryMB;
        plan.DestinationHostName = info.HostName;
        if (info.FreeMemoryMB is { } free && free < domain.MemoryMB)
        {
            throw Fail("XenInsufficientMemory", XenErrorKind.ResourceUnavailable,
                $"'{dst}' has {free} MiB of free memory; '{domain.Name}' needs {domain.MemoryMB} MiB. Nothing was changed: '{domain.Name}' still runs on '{src}'. Free memory on '{dst}' (stop a guest, or lower Dom0's memory) and try again.");
        }

        var config = configs.FirstOrDefault(c => c.DomId == domain.Id);
        if (config is null)
        {
            plan.Warnings.Add($"xl list -l gave no configuration for '{domain.Name}' on '{src}': its disks could not be checked on '{dst}'.");
        }
        else
        {
            var probe = new XenDomain();
            Parsing.XlListJsonParser.Apply(config, probe);
            plan.Disks = probe.Disks.Where(d => !string.IsNullOrEmpty(d.Target)).Select(d => d.Target!).Distinct(StringComparer.Ordinal).ToList();
        }
        var missing = await MissingPathsAsync(_destination.Host, plan.Disks, ct).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw Fail("XenMigrationDiskNotFound", XenErrorKind.ObjectNotFound,
                $"The disks of '{domain.Name}' must be reachable at the same paths on both hosts (shared storage), but '{dst}' has no {string.Join(", ", missing)}. '{domain.Name}' was not moved.");
        }

        var configPath = await XenPaths.GetDefaultConfigPathAsync(_source.Host, domain.Name, ct).ConfigureAwait(false);
        var configDest = await XenPaths.GetDefaultConfigPathAsync(_destination.Host, domain.Name, ct).ConfigureAwait(false);
        if ((await MissingPathsAsync(_source.Host, new[] { configPath }, ct).ConfigureAwait(false)).Count == 0 &&
            (await MissingPathsAsync(_destination.Host, new[] { configDest }, ct).ConfigureAwait(false)).Count > 0)
        {
            plan.Warnings.Add($"'{src}' has the configuration file {configPath} but '{dst}' has no {configDest}: the move does not need it, but Start-XenDomain -Name {domain.Name} will not find it on '{dst}' later. Copy it (Get-XenDomUConfig; Set-XenDomUConfig) or keep it on shared storage.");
        }

        await CheckFromSourceAsync(plan, ct).ConfigureAwait(false);
        return plan;
    }

    /// <summary>The source runs the very ssh command xl will run, with xl info host: this proves that the source
    /// reaches the destination without a prompt, that xl is in the PATH there, and that it is the same machine.</summary>
    private async Task CheckFromSourceAsync(XenMigrationPlan plan, CancellationToken ct)
    {
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        var result = await _source.Host.RunScriptAsync(CheckFromSourceScript(plan), new HostRunOptions
        {
            Timeout = TimeSpan.FromSeconds(90),
            OnCommandLine = line => Output.WriteVerbose("Running: " + line),
        }, ct).ConfigureAwait(false);
        var answer = result.StandardOutput.Trim();
        if (result.ExitCode != 0 || answer.Length == 0)
        {
            throw Fail("XenMigrationDestinationUnreachable", XenErrorKind.ConnectionError,
                $"'{src}' cannot run xl on '{plan.Address}' over SSH ({plan.SshCommandText} {plan.Address.Host} xl info host, exit code {result.ExitCode}: {XlErrorClassifier.Summarize(result.StandardError)}). " +
                $"The migration runs from the source: '{src}' must reach the destination with a key and a known host key, and find xl in the PATH of a non-interactive ssh session there. " +
                "If the source knows the destination under another name or address, give it with -DestinationAddress. Nothing was changed.");
        }
        if (plan.DestinationHostName is { Length: > 0 } expected && !string.Equals(answer, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw Fail("XenMigrationDestinationMismatch", XenErrorKind.InvalidArgument,
                $"From '{src}', '{plan.Address}' is the Xen host '{answer}', but '{dst}' is '{expected}': the domain would go to another machine than the one checked. Give -DestinationAddress as the source reaches '{dst}'. Nothing was changed.");
        }
    }

    /// <summary>The paths of <paramref name="paths"/> that do not exist on the host (one script for all).</summary>
    private async Task<List<string>> MissingPathsAsync(IXenHost host, IReadOnlyList<string> paths, CancellationToken ct)
    {
        if (paths.Count == 0) return new List<string>();
        var result = await host.RunScriptAsync(MissingPathsScript(paths), new HostRunOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            OnCommandLine = line => Output.WriteDebug("Running: " + line),
        }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Fail("XenFileOperationFailed", XenErrorKind.ReadError,
                $"Could not check {string.Join(", ", paths)} on '{host.ComputerName}': {XlErrorClassifier.Summarize(result.StandardError)}");
        }
        return result.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
    }

    /// <summary>Moves the domain. Returns it as the destination lists it; with <paramref name="wait"/> only once it runs
    /// there (not paused, unless it was paused before) and is gone from the source.</summary>
    public async Task<XenDomain> ExecuteAsync(XenMigrationPlan plan, bool wait, Action<XenMigrationProgress> onProgress, CancellationToken ct)
    {
        var domain = plan.Request.Domain;
        var name = domain.Name;
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        var wasPaused = (domain.State & XenDomainState.Paused) != 0;
        onProgress(new XenMigrationProgress("Starting: " + plan.CommandText, 1));

        var lastPercent = 1;
        void OnLine(string line)
        {
            Output.WriteVerbose(line);
            var percent = PhasePercent(line);
            if (percent > lastPercent) lastPercent = percent;
            if (line.Trim().Length > 0) onProgress(new XenMigrationProgress(line.Trim(), lastPercent));
        }

        try
        {
            if (plan.Request.Live)
            {
                var args = new[] { "migrate", "-s", plan.SshCommandText, name, plan.Address.Host };
                await _source.RunAsync(args, ct, plan.Request.Timeout, check: true, OnLine).ConfigureAwait(false);
            }
            else
            {
                await SaveRestoreAsync(plan, OnLine, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is XenException && !ct.IsCancellationRequested)
        {
            throw await FailedAsync(plan, (XenException)ex, wasPaused).ConfigureAwait(false);
        }

        onProgress(new XenMigrationProgress($"Checking that {name} runs on {dst}", 99));
        if (!wait)
        {
            var now = await _destination.FindAsync(name, ct).ConfigureAwait(false);
            return now ?? throw Fail("XenMigrationFailed", XenErrorKind.InvalidResult,
                $"The transfer of '{name}' to '{dst}' ended without an error, but '{dst}' does not list it. Check both hosts with Get-XenDomain -ComputerName {src}, {dst}.");
        }

        var (arrived, there) = await _destination.WaitForAsync(name,
            d => d is not null && !XlClient.IsDown(d) && (wasPaused || (d.State & XenDomainState.Paused) == 0), TimeSpan.FromSeconds(120), ct, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (!arrived)
        {
            throw Fail("XenMigrationTimeout", XenErrorKind.OperationTimeout,
                $"'{name}' did not come up on '{dst}' within 120 s after the transfer (last seen there: {(there is null ? "not listed" : there.StateText)}).");
        }
        var (gone, left) = await _source.WaitForAsync(name, d => d is null, TimeSpan.FromSeconds(120), ct, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (!gone)
        {
            throw Fail("XenMigrationTimeout", XenErrorKind.OperationTimeout,
                $"'{name}' runs on '{dst}', but '{src}' still lists it ({left!.StateText}, id {left.Id}) after 120 s. Check it before using it there.");
        }
        return there!;
    }

    /// <summary>The not-live transfer, one script on the source: xl save -p into ssh ... xl restore, then xl destroy
    /// of the paused original only when the restore succeeded (else xl unpause).</summary>
    private async Task SaveRestoreAsync(XenMigrationPlan plan, Action<string> onLine, CancellationToken ct)
    {
        var script = SaveRestoreScript(plan);
        var options = new HostRunOptions
        {
            Timeout = plan.Request.Timeout,
            OnStandardErrorLine = onLine,
            OnCommandLine = line => Output.WriteVerbose("Running: " + line),
        };
        var result = await _source.Host.RunScriptAsync(script, options, ct).ConfigureAwait(false);
        Output.WriteDebug(XlClient.DescribeResult($"[{_source.Host.ComputerName}] {plan.CommandText}", result));
        if (result.ExitCode != 0)
            throw XlErrorClassifier.Classify(new CommandResult("xl", new[] { "save" }, result.ExitCode, result.StandardOutput, result.StandardError, result.Duration), plan.CommandText, _source.Host.ComputerName);
    }

    /// <summary>From the source, the ssh command xl will use, running xl info host on the destination (exit code 254
    /// for ssh's own failures: 255 would be taken for the transport's).</summary>
    internal static ShellScript CheckFromSourceScript(XenMigrationPlan plan)
    {
        var words = plan.SshCommand.Concat(new[] { "-o", "ConnectTimeout=30", plan.Address.Host, "xl", "info", "host" });
        return ShellScript.Of($"{ShellScript.Words(words)} </dev/null").Line($"rc=$?").Line($"[ $rc -eq 255 ] && exit 254").Line($"exit $rc");
    }

    /// <summary>Prints each path that does not exist, one a line.</summary>
    internal static ShellScript MissingPathsScript(IReadOnlyList<string> paths)
    {
        var sb = new ShellScript();
        foreach (var path in paths)
        {
            HostFileSystem.ValidatePath(path);
            sb.Line($"[ -e {path} ] || printf '%s\\n' {path}");
        }
        return sb.Line($"exit 0");
    }

    /// <summary>xl save -p piped through ssh into xl restore; then xl destroy of the original, or xl unpause.</summary>
    internal static ShellScript SaveRestoreScript(XenMigrationPlan plan)
    {
        var name = plan.Request.Domain.Name;
        var ssh = ShellScript.Words(plan.SshCommand.Concat(new[] { plan.Address.Host }));
        var wasPaused = (plan.Request.Domain.State & XenDomainState.Paused) != 0;
        var script = new ShellScript();
        script.Line($"st=$(mktemp) || exit 1");
        // The exit code of xl save is kept in a file: a POSIX pipeline only reports its last command's.
        script.Line($"{{ xl save -p {name} /dev/stdout; echo $? > \"$st\"; }} | {ssh} xl restore /dev/stdin");
        script.Line($"rr=$?; sr=$(cat \"$st\"); rm -f \"$st\"");
        script.Line($"if [ \"$sr\" = 0 ] && [ \"$rr\" = 0 ]; then echo 'xenps: restored at the destination; destroying the paused original' >&2; xl destroy {name}; exit $?; fi");
        script.Line($"echo \"xenps: transfer failed (xl save exit code $sr, xl restore exit code $rr); resuming at the source\" >&2");
        if (wasPaused) script.Line($":");
        else script.Line($"xl unpause {name}");
        return script.Line($"exit 1");
    }

    /// <summary>Builds the error of a failed transfer, after finding out where the domain is now.</summary>
    private async Task<XenException> FailedAsync(XenMigrationPlan plan, XenException cause, bool wasPaused)
    {
        var name = plan.Request.Domain.Name;
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        var stderr = cause is XenCommandException c ? c.StandardError : cause is XenCommandTimeoutException t ? t.StandardError : string.Empty;
        var why = new StringBuilder();
        if (stderr.IndexOf("Failed to enable logdirty", StringComparison.Ordinal) >= 0)
        {
            why.Append(" The hypervisor of '").Append(src).Append("' cannot track the dirty memory of this PV guest (log-dirty mode for PV needs shadow paging, which this Xen build lacks: Debian's Xen is built without it, FreeBSD's xen-kernel has it). ")
               .Append("Move it without -Live (the guest is paused while its memory is copied), or use a PVH/HVM guest.");
        }
        var where = string.Empty;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var onSource = await _source.FindAsync(name, cts.Token).ConfigureAwait(false);
            if (onSource is not null && !wasPaused && (onSource.State & XenDomainState.Paused) != 0 && plan.Request.Live == false)
            {
                await _source.UnpauseAsync(name, cts.Token).ConfigureAwait(false);
                onSource = await _source.FindAsync(name, cts.Token).ConfigureAwait(false);
            }
            var onDestination = await _destination.FindAsync(name, cts.Token).ConfigureAwait(false);
            where = onSource is not null
                ? $" '{name}' still runs on '{src}' ({onSource.StateText}, id {onSource.Id})."
                : onDestination is not null
                    ? $" '{name}' is no longer on '{src}' but '{dst}' lists it ({onDestination.StateText}): check it there."
                    : $" Neither '{src}' nor '{dst}' lists '{name}' any more: check the logs (Get-XenLog -Name {name} -ComputerName {src}).";
        }
        catch (Exception ex) when (ex is XenException || ex is OperationCanceledException)
        {
            where = $" Where '{name}' is now could not be checked ({ex.Message.Split('\n')[0]}).";
        }

        var id = cause is XenCommandTimeoutException ? "XenMigrationTimeout" : "XenMigrationFailed";
        var kind = cause is XenCommandTimeoutException ? XenErrorKind.OperationTimeout : XenErrorKind.InvalidOperation;
        var said = XlErrorClassifier.Summarize(stderr);
        var message = $"Moving '{name}' from '{src}' to '{dst}' failed{(cause is XenCommandTimeoutException ? $" (no end within {plan.Request.Timeout.TotalSeconds:0} s)" : string.Empty)}." +
                      (said.Length > 0 ? " xl said: " + said + "." : string.Empty) + why + where;
        return new XenException(id, kind, message, cause) { ComputerName = src };
    }

    /// <summary>How far a transfer is, from xl's sender and receiver messages (xl_migrate.c, xl_saverestore.c).</summary>
    internal static int PhasePercent(string line)
    {
        var progress = System.Text.RegularExpressions.Regex.Match(line, @"^xc: progress: .*?(?<p>\d{1,3})%\s*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (progress.Success) return 20 + (int)(Math.Min(100, int.Parse(progress.Groups["p"].Value, CultureInfo.InvariantCulture)) * 0.6);
        if (line.Contains("Migration successful")) return 100;
        if (line.Contains("Target reports successful startup") || line.Contains("Domain started succ")) return 97;
        if (line.Contains("Giving target permission to start") || line.Contains("Got permission")) return 93;
        if (line.Contains("Target has acknowledged transfer")) return 90;
        if (line.Contains("restored at the destination")) return 95;
        if (line.Contains("Transfer complete")) return 85;
        if (line.Contains("Restore successful")) return 80;
        if (line.Contains("Restoring domain")) return 20;
        if (line.Contains("Saving domain") || line.Contains("Found x86")) return 15;
        if (line.Contains("Saving to") || line.Contains("Loading new save file")) return 10;
        if (line.Contains("Ready to receive domain")) return 5;
        return 0;
    }

    private static XenException Fail(string id, XenErrorKind kind, string message, Exception? inner = null) => new(id, kind, message, inner);
}
