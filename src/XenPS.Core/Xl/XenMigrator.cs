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

    /// <summary>The folder of the move status files (and live moves' locks) on the source host; null: $env:XENPS_MOVE_STATUS_DIR,
    /// else /var/run/xenps for root, else $TMPDIR/xenps-UID there.</summary>
    public string? StatusDirectory { get; set; } = Environment.GetEnvironmentVariable("XENPS_MOVE_STATUS_DIR") is { Length: > 0 } d ? d : null;

    /// <summary>Not live: how long the source waits, after a failed transfer, for a copy the destination lists neither
    /// running nor gone (a restore finishing, or cleaning up) to settle before it decides ($env:XENPS_MOVE_SETTLE_SEC,
    /// default 60 s).</summary>
    public TimeSpan SettleTime { get; set; } =
        Environment.GetEnvironmentVariable("XENPS_MOVE_SETTLE_SEC") is { Length: > 0 } t && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var sec)
            ? TimeSpan.FromSeconds(sec)
            : TimeSpan.FromSeconds(60);
}

/// <summary>A migration checked against both hosts, nothing changed yet.</summary>
public sealed class XenMigrationPlan
{
    internal XenMigrationPlan(XenMigrationRequest request, SshTarget address, IReadOnlyList<string> sshCommand)
    {
        Request = request;
        Address = address;
        SshCommand = sshCommand;
        WasRunning = (request.Domain.State & XenDomainState.Paused) == 0;
    }

    public XenMigrationRequest Request { get; }

    /// <summary>The destination as the source reaches it (the host xl migrate is given).</summary>
    public SshTarget Address { get; }

    /// <summary>The ssh command xl runs on the source (xl migrate -s), as words.</summary>
    public IReadOnlyList<string> SshCommand { get; }

    /// <summary>The ssh command as the one string xl migrate -s takes: xl pastes it into "exec SSH HOST xl
    /// migrate-receive" and runs that with sh -c, so every word is quoted for sh (<see cref="ShellScript.QuoteWord"/>).</summary>
    public string SshCommandText => XenMigrator.QuoteForSh(SshCommand);

    public long RequiredMemoryMB { get; internal set; }

    public long? DestinationFreeMemoryMB { get; internal set; }

    /// <summary>The host name the destination's xl info reports (the source reached the same one).</summary>
    public string? DestinationHostName { get; internal set; }

    public IReadOnlyList<string> Disks { get; internal set; } = Array.Empty<string>();

    /// <summary>The domain's UUID on the source, when xl list -l gave it.</summary>
    public Guid? Uuid { get; internal set; }

    /// <summary>The guest ran before the move (not paused), so it must run on the destination afterwards. Taken from an
    /// earlier interrupted move's status when that move left it paused.</summary>
    public bool WasRunning { get; internal set; }

    /// <summary>The status an earlier move of this domain left on the source, if any.</summary>
    public XenMoveStatus? PreviousMove { get; internal set; }

    public List<string> Warnings { get; } = new();

    /// <summary>The command run on the source, for Verbose and -WhatIf (xl is given the domain's id, never its name).</summary>
    public string CommandText => Request.Live
        ? Describe(new[] { "xl", "migrate", "-s", SshCommandText, Request.Domain.Id.ToString(CultureInfo.InvariantCulture), Address.Host })
        : $"xl save -p {Request.Domain.Id.ToString(CultureInfo.InvariantCulture)} /dev/stdout | {SshCommandText} {Address.Host} xl restore{(WasRunning ? string.Empty : " -p")} /dev/stdin; " +
          $"then, by what {Address.Host} lists: xl destroy {Request.Domain.Id.ToString(CultureInfo.InvariantCulture)} (it runs there) or xl unpause (it does not)";

    /// <summary>A command line for display (Verbose, -WhatIf).</summary>
    private static string Describe(IEnumerable<string> words) => ShellQuoting.Join(words);
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
/// Moves a domain between two Xen hosts, so that in every interleaving of failures, time-outs, Ctrl+C and cut
/// connections at most one instance of the guest runs (two instances on one disk corrupt it).
///
/// Live: xl migrate on the source, which runs "ssh HOST xl migrate-receive" itself and owns the handshake (the guest
/// keeps running while its memory is copied, is suspended for the last pages and resumed on the destination only after
/// the sender gave permission; the hypervisor must track dirty pages: HAP for PVH/HVM, shadow paging for PV). XenPS
/// never unpauses or destroys anything after a failed xl migrate: xl resumes the guest at the sender when the
/// transfer fails before the final handshake, and after it leaves the sender's copy as NAME--migratedaway; a stopped
/// xl migrate (Ctrl+C, time-out) is stopped through its ssh transport, so that it fails that same way.
///
/// Not live: one script on the source (<see cref="BuildMoveScript"/>) pipes xl save -p into ssh ... xl restore under
/// the remote supervisor (its own time limit; stopped when XenPS goes away), then decides by itself, also when XenPS
/// is gone, from what the destination lists: the paused original is destroyed only when the destination runs the
/// guest, resumed only when the destination does not list it in any state, and otherwise kept paused. It writes each
/// step to a status file on the source (<see cref="XenMoveStatus"/>), which XenPS reads at the end, after a cut
/// connection, and before the next move of the same domain. Before anything changes, both hosts are checked: the
/// destination answers (from here and from the source, and is the same machine), has the memory, has no domain of that
/// name, and has the domain's disks at the same paths.
/// </summary>
public sealed class XenMigrator
{
    /// <summary>How long XenPS waits for the source to decide, after it lost the connection or its own wait ended.</summary>
    internal static TimeSpan OutcomeWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the status file is read while waiting for the outcome.</summary>
    internal static TimeSpan OutcomePoll { get; set; } = TimeSpan.FromSeconds(3);

    private readonly XlClient _source;
    private readonly XlClient _destination;

    public XenMigrator(XlClient source, XlClient destination)
    {
        _source = source;
        _destination = destination;
    }

    private IXenOutput Output => _source.Output;

    /// <summary>The ssh command for xl migrate -s (and the not-live pipe): BatchMode (a prompt would hang the
    /// migration), a connection time limit and keep-alives (a cut network ends the transfer within a minute instead of
    /// hanging), plus the user and port of the address. The identity file and ssh_config of this machine are never
    /// passed on: they are paths here, not on the source.</summary>
    public static IReadOnlyList<string> BuildSshCommand(SshTarget address)
    {
        var words = new List<string> { "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4" };
        if (address.User is not null) words.AddRange(new[] { "-l", address.User });
        if (address.Port is { } port) words.AddRange(new[] { "-p", port.ToString(CultureInfo.InvariantCulture) });
        return words;
    }

    /// <summary>Words joined into one string that sh -c splits back into exactly those words.</summary>
    public static string QuoteForSh(IEnumerable<string> words) => string.Join(" ", words.Select(ShellScript.QuoteWord));

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
        var config = configs.FirstOrDefault(c => c.DomId == domain.Id);
        if (config is not null)
        {
            var probe = new XenDomain();
            Parsing.XlListJsonParser.Apply(config, probe);
            plan.Disks = probe.Disks.Where(d => !string.IsNullOrEmpty(d.Target)).Select(d => d.Target!).Distinct(StringComparer.Ordinal).ToList();
            plan.Uuid = probe.Uuid;
        }

        // An earlier move of this domain: still running (refused), or interrupted with the guest left paused by it.
        plan.PreviousMove = await ReadStatusAsync(plan, ct).ConfigureAwait(false);
        if (plan.PreviousMove is { } previous)
        {
            if (previous.InProgress)
            {
                throw Fail("XenMigrationInProgress", XenErrorKind.ResourceUnavailable,
                    $"Another Move-XenDomain of '{domain.Name}' (id {domain.Id}) is still running on '{src}' (process {previous.Pid}, phase {previous.Phase ?? "starting"}): wait for it to end. Nothing was changed.");
            }
            if (!previous.Live && previous.WasRunning && (domain.State & XenDomainState.Paused) != 0 &&
                previous.End is not XenMoveStatus.EndDestroyedSource and not XenMoveStatus.EndResumedSource)
            {
                // Paused by that move, not by its owner: it ran before, and must run at the destination.
                plan.WasRunning = true;
                plan.Warnings.Add($"'{domain.Name}' is paused on '{src}' by an earlier Move-XenDomain ({previous.Started:u}): {previous.Describe(domain.Name, src, dst)} It ran before that move, so it will run on '{dst}'.");
            }
        }

        if (destDomains.FirstOrDefault(d => d.Name == domain.Name || d.Name == domain.Name + "--incoming") is { } clash)
        {
            var earlier = plan.PreviousMove is { End: not null } p && p.End != XenMoveStatus.EndResumedSource && p.End != XenMoveStatus.EndKeptSourcePaused
                ? $" An earlier Move-XenDomain of it ({p.Started:u}) ended so: {p.Describe(domain.Name, src, dst)}"
                : string.Empty;
            throw Fail("XenDomainExists", XenErrorKind.ResourceExists, $"A domain named '{clash.Name}' already exists on '{dst}' (id {clash.Id}, {clash.StateText}): '{domain.Name}' was not moved.{earlier}");
        }

        plan.RequiredMemoryMB = domain.MemoryMB;
        plan.DestinationFreeMemoryMB = info.FreeMemoryMB;
        plan.DestinationHostName = info.HostName;
        if (info.FreeMemoryMB is { } free && free < domain.MemoryMB)
        {
            throw Fail("XenInsufficientMemory", XenErrorKind.ResourceUnavailable,
                $"'{dst}' has {free} MiB of free memory; '{domain.Name}' needs {domain.MemoryMB} MiB. Nothing was changed: '{domain.Name}' still runs on '{src}'. Free memory on '{dst}' (stop a guest, or lower Dom0's memory) and try again.");
        }

        if (config is null)
            plan.Warnings.Add($"xl list -l gave no configuration for '{domain.Name}' on '{src}': its disks could not be checked on '{dst}'.");
        var missing = await MissingPathsAsync(_destination.Host, plan.Disks, ct).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw Fail("XenMigrationDiskNotFound", XenErrorKind.ObjectNotFound,
                $"The disks of '{domain.Name}' must be reachable at the same paths on both hosts (shared storage), but '{dst}' has no {string.Join(", ", missing)}. '{domain.Name}' was not moved.");
        }

        // Only a name that can name a file has a configuration file of that name (XenDomainName).
        if (XenDomainName.IsValid(domain.Name))
        {
            var configPath = await XenPaths.GetDefaultConfigPathAsync(_source.Host, domain.Name, ct).ConfigureAwait(false);
            var configDest = await XenPaths.GetDefaultConfigPathAsync(_destination.Host, domain.Name, ct).ConfigureAwait(false);
            if ((await MissingPathsAsync(_source.Host, new[] { configPath }, ct).ConfigureAwait(false)).Count == 0 &&
                (await MissingPathsAsync(_destination.Host, new[] { configDest }, ct).ConfigureAwait(false)).Count > 0)
            {
                plan.Warnings.Add($"'{src}' has the configuration file {configPath} but '{dst}' has no {configDest}: the move does not need it, but Start-XenDomain -Name {domain.Name} will not find it on '{dst}' later. Copy it (Get-XenDomUConfig; Set-XenDomUConfig) or keep it on shared storage.");
            }
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
        onProgress(new XenMigrationProgress("Starting: " + plan.CommandText, 1));

        var lastPercent = 1;
        void OnLine(string line)
        {
            Output.WriteVerbose(line);
            var percent = PhasePercent(line);
            if (percent > lastPercent) lastPercent = percent;
            if (line.Trim().Length > 0) onProgress(new XenMigrationProgress(line.Trim(), lastPercent));
        }

        if (plan.Request.Live)
        {
            var args = new[] { "migrate", "-s", plan.SshCommandText, XlClient.IdArgument(domain.Id), plan.Address.Host };
            var display = _source.Host.Describe("xl", args);
            CommandResult result;
            try
            {
                result = await XlClient.RunSelfSupervisedAsync(_source.Host, Output, BuildLiveScript(plan, domain), display, "supervised on the host",
                    plan.Request.Timeout, OnLine, ct).ConfigureAwait(false);
            }
            catch (XenException ex) when (!ct.IsCancellationRequested)
            {
                throw await LiveFailedAsync(plan, ex).ConfigureAwait(false);
            }
            // Refused before xl migrate ran: nothing to look at afterwards.
            ThrowIfNotStarted(plan, result);
            if (result.ExitCode != 0)
            {
                var failed = XlErrorClassifier.Classify(result, display, _source.Host.ComputerName);
                throw ct.IsCancellationRequested ? failed : await LiveFailedAsync(plan, failed).ConfigureAwait(false);
            }
        }
        else
        {
            var status = await SaveRestoreAsync(plan, OnLine, ct).ConfigureAwait(false);
            // Moved means: the destination runs it and the source's copy is gone. A copy left on the source (it could
            // not be destroyed, or it ran meanwhile) needs the user: an error, not a warning.
            if (status.End != XenMoveStatus.EndDestroyedSource) throw NotMoved(plan, status);
            if (!status.TransferSucceeded)
                Output.WriteWarning($"Moving '{name}' from '{src}' to '{dst}': {status.Describe(name, src, dst)}");
        }

        onProgress(new XenMigrationProgress($"Checking that {name} runs on {dst}", 99));
        // On the destination the domain keeps its name and its UUID (under another id).
        bool Arrived(XenDomain d) => string.Equals(d.Name, name, StringComparison.Ordinal) && XlClient.SameGuest(domain, d);
        var runs = plan.WasRunning;
        if (!wait)
        {
            var now = (await _destination.ListAsync(ct).ConfigureAwait(false)).FirstOrDefault(Arrived);
            return now ?? throw Fail("XenMigrationFailed", XenErrorKind.InvalidResult,
                $"The transfer of '{name}' to '{dst}' ended without an error, but '{dst}' does not list it. Check both hosts with Get-XenDomain -ComputerName {src}, {dst}.");
        }

        var (arrived, there) = await _destination.WaitForAsync(Arrived,
            d => d is not null && !XlClient.IsDown(d) && (!runs || (d.State & XenDomainState.Paused) == 0), TimeSpan.FromSeconds(120), ct, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (!arrived)
        {
            throw Fail("XenMigrationTimeout", XenErrorKind.OperationTimeout,
                $"'{name}' did not come up on '{dst}' within 120 s after the transfer (last seen there: {(there is null ? "not listed" : there.StateText)}).");
        }
        var (gone, left) = await _source.WaitForInstanceAsync(domain, d => d is null, TimeSpan.FromSeconds(120), ct, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (!gone)
        {
            throw Fail("XenMigrationTimeout", XenErrorKind.OperationTimeout,
                $"'{name}' runs on '{dst}', but '{src}' still lists it ({left!.StateText}, id {left.Id}) after 120 s. Check it before using it there.");
        }
        return there!;
    }

    /// <summary>
    /// The move without -Live: the script on the source, then its outcome. The transfer's time limit is enforced on
    /// the source (the supervisor's deadline); XenPS waits a little longer for the decision that follows. When the
    /// connection to the source is lost, or XenPS's own wait ends, the outcome is read from the status file (the
    /// script goes on deciding without XenPS). Ctrl+C stops the transfer (the source then decides as after any failed
    /// transfer) and reports nothing: the next move of the domain, and the status file, tell.
    /// </summary>
    private async Task<XenMoveStatus> SaveRestoreAsync(XenMigrationPlan plan, Action<string> onLine, CancellationToken ct)
    {
        var operation = Guid.NewGuid().ToString("N");
        var script = BuildMoveScript(plan, operation);
        var src = _source.Host.ComputerName;
        var name = plan.Request.Domain.Name;
        var options = new HostRunOptions
        {
            Timeout = plan.Request.Timeout + OutcomeWait,
            OnStandardErrorLine = line => onLine(SecretRedactor.Redact(line)), // as every xl run's: libxl's lines may carry qemu's -spice password
            OnCommandLine = line => Output.WriteVerbose("Running: " + SecretRedactor.Redact(line)),
            HoldInputOpen = true, // the lifeline of the script's own supervisor (it is not wrapped again)
        };
        CommandResult? result = null;
        Exception? lost = null;
        try
        {
            result = await _source.Host.RunScriptAsync(script, options, ct).ConfigureAwait(false);
            Output.WriteDebug(XlClient.DescribeResult($"[{src}] {plan.CommandText}", result));
        }
        catch (Exception ex) when ((ex is XenCommandTimeoutException || ex is XenHostUnreachableException) && !ct.IsCancellationRequested)
        {
            lost = ex;
            Output.WriteWarning($"The connection to '{src}' ended during the move of '{name}' ({ex.Message.Split('\n')[0]}): reading its outcome on '{src}'.");
        }

        if (result is not null)
        {
            ThrowIfNotStarted(plan, result);
            // Normally the script's own lines say how it ended; the file is the authority when they do not.
            var said = XenMoveStatus.Parse(StatusFromLines(plan, result.StandardError));
            if (said is { IsFinal: true } && said.Destination is not null) return await ForgetIfDoneAsync(plan, said, operation, ct).ConfigureAwait(false);
        }

        var status = await WaitForOutcomeAsync(plan, operation, ct).ConfigureAwait(false);
        if (status is null)
        {
            var why = lost?.Message.Split('\n')[0] ?? $"exit code {result?.ExitCode}: {XlErrorClassifier.Summarize(result?.StandardError)}";
            throw Fail("XenMigrationIncomplete", XenErrorKind.InvalidResult,
                $"The move of '{name}' from '{src}' to '{_destination.Host.ComputerName}' ended without a result ({why}), and its status on '{src}' could not be read. " +
                $"'{name}' may be paused on '{src}'. Check both hosts (Get-XenDomain -ComputerName {src}, {_destination.Host.ComputerName}) before resuming anything: never run both copies.");
        }
        return await ForgetIfDoneAsync(plan, status, operation, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The live migration as one script on the source with its own supervisor (<see cref="RemoteSupervisor"/>; its
    /// standard input is its lifeline): xl migrate by id, and, when it did not succeed (failed, or stopped because the
    /// client went away), the clean-up xl leaves to the admin when the sender is gone: the destination keeps its
    /// paused NAME--incoming copy when it lost the sender before the final handshake. When the source lists the
    /// domain again under its own name and id, running (xl resumed it), each NAME--incoming on the destination that is
    /// paused, and was listed at the first look, is destroyed there by id, after its name and UUID are read again by
    /// that id (<see cref="SameDomainFunction"/>): the host pair ends in the old state.
    /// A source copy that is not running is never acted on here (the client, or the admin, decides). The script holds
    /// the domain's move lock (<see cref="StatusLockLines"/>) from before xl migrate until its clean-up has ended.
    /// </summary>
    internal static ShellScript BuildLiveScript(XenMigrationPlan plan, XenDomain domain)
    {
        var id = XlClient.IdArgument(domain.Id);
        var work = SshXenHost.BuildExecScript("xl", new[] { "migrate", "-s", plan.SshCommandText, id, plan.Address.Host });
        var dest = plan.SshCommand.Concat(new[] { plan.Address.Host }).ToList();
        // One move of a domain at a time, live or not: a second one's clean-up could destroy the first's incoming copy.
        var operation = Guid.NewGuid().ToString("N");
        var before = StatusLockLines(plan, operation, "running", (int)Math.Ceiling(plan.Request.Timeout.TotalSeconds), live: true);
        // (The supervisor ignores SIGPIPE and SIGHUP for a run with an after-part: it runs even when the session is gone.)
        var after = new ShellScript()
            .Append(SameDomainFunction(dest, plan.Uuid ?? domain.Uuid))
            .Line($"if [ \"$xenps_r\" != 0 ]; then")
            .Line($"  xenps_st=$(xl list 2>/dev/null | I={id} N={domain.Name} awk 'NR > 1 && $2 == ENVIRON[\"I\"] && $1 == ENVIRON[\"N\"] {{ print $5 }}')")
            .Line($"  case \"$xenps_st\" in ??p*|*s*|*c*|*d*|'') ;; *)")
            // Only the copies listed at the first look are ever destroyed, in one round: a copy that appears later is
            // another migration's (a retried Move-XenDomain -Live), never this one's.
            .Line($"    xenps_i=0; xenps_first=''")
            .Line($"    while [ \"$xenps_i\" -lt 15 ]; do")
            .Line($"      xenps_ids=$($xenps_to {ShellScript.Words(dest.Concat(new[] { "xl", "list" }))} </dev/null 2>/dev/null | N={domain.Name + "--incoming"} awk 'NR > 1 && $1 == ENVIRON[\"N\"] && $2 ~ /^[0-9]+$/ && substr($5, 3, 1) == \"p\" {{ print $2 }}')")
            .Line($"      [ \"$xenps_i\" = 0 ] && xenps_first=\" $(echo $xenps_ids) \"")
            .Line($"      xenps_left=''")
            .Line($"      for xenps_b in $xenps_ids; do case \"$xenps_first\" in *\" $xenps_b \"*) xenps_left=\"$xenps_left $xenps_b\" ;; esac; done")
            .Line($"      [ -z \"$xenps_left\" ] && break")
            // xl migrate-receive may still be ending by itself: give it a few seconds before acting.
            .Line($"      if [ \"$xenps_i\" -ge 5 ]; then")
            .Line($"        for xenps_b in $xenps_left; do")
            .Line($"          xenps_same \"$xenps_b\" {domain.Name + "--incoming"} && $xenps_to {ShellScript.Words(dest.Concat(new[] { "xl", "destroy" }))} \"$xenps_b\" </dev/null >/dev/null 2>&1 &&")
            .Line($"            printf 'xenps-move: destination-cleared %s\\n' \"$xenps_b\" >&2")
            .Line($"        done")
            .Line($"        break")
            .Line($"      fi")
            .Line($"      sleep 1; xenps_i=$((xenps_i + 1))")
            .Line($"    done ;;")
            .Line($"  esac")
            .Line($"fi")
            .Append(RemoveIfMineLines(operation))
            .Line($"exit \"$xenps_r\"");
        return SshXenHost.PathPrelude.Append(RemoteSupervisor.Wrap(work, RemoteSupervisor.DeadlineSeconds(plan.Request.Timeout), RemoteStopMode.HelpersOnly, before, after));
    }

    /// <summary>Sets xenps_to (the time limit of an ssh round trip) and defines the shell function xenps_same ID NAME: true when the destination's domain ID (by id, never by a name)
    /// is named exactly NAME (xl domname) and, when the guest's UUID is known, carries it in the UUID column of xl list
    /// -v ID (the field right after the state and the time): the copy a transfer left there, never another domain whose
    /// name or listed line merely looks alike. Asked up to 3 times when the destination cannot be reached (ssh's 255,
    /// timeout's 124); a domain that is not the guest is an answer at once.</summary>
    internal static ShellScript SameDomainFunction(IReadOnlyList<string> destination, Guid? uuid)
    {
        // $xenps_to, also for the caller's own ssh round trips: their time limit (timeout 90) where the host has
        // timeout(1); empty otherwise.
        var s = new ShellScript()
            .Line($"xenps_to=''; command -v timeout >/dev/null 2>&1 && xenps_to='timeout 90'")
            .Line($"xenps_same1() {{")
            .Line($"  xenps_sn=$($xenps_to {ShellScript.Words(destination.Concat(new[] { "xl", "domname" }))} \"$1\" </dev/null 2>/dev/null); xenps_sx=$?")
            .Line($"  case $xenps_sx in 0) ;; 124|255) return 2 ;; *) return 1 ;; esac")
            .Line($"  [ \"$xenps_sn\" = \"$2\" ] || return 1");
        if (uuid is { } u)
        {
            s.Line($"  xenps_sv=$($xenps_to {ShellScript.Words(destination.Concat(new[] { "xl", "list", "-v" }))} \"$1\" </dev/null 2>/dev/null); xenps_sx=$?")
             .Line($"  case $xenps_sx in 0) ;; 124|255) return 2 ;; *) return 1 ;; esac")
             .Line($"  printf '%s\\n' \"$xenps_sv\" | U={u.ToString("D")} awk 'NR == 2 {{ for (i = 3; i <= NF; i++) if ($i == ENVIRON[\"U\"] && $(i - 1) ~ /^[0-9.]+$/ && $(i - 2) ~ /^[-a-z]+$/) f = 1 }} END {{ exit !f }}'");
        }
        return s.Line($"}}")
            .Line($"xenps_same() {{")
            .Line($"  for xenps_sk in 1 2 3; do xenps_same1 \"$@\"; case $? in 0) return 0 ;; 1) return 1 ;; esac; sleep 2; done")
            .Line($"  return 1")
            .Line($"}}");
    }

    /// <summary>From the source, the ssh command xl will use, running xl info host on the destination (exit code 254
    /// for ssh's own failures: 255 would be taken for the transport's).</summary>
    internal static ShellScript CheckFromSourceScript(XenMigrationPlan plan)
    {
        var words = plan.SshCommand.Concat(new[] { plan.Address.Host, "xl", "info", "host" });
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

    /// <summary>The status lines the script wrote on standard error ("xenps-move: ..."), as a status file.</summary>
    private static string StatusFromLines(XenMigrationPlan plan, string stderr)
    {
        var sb = new StringBuilder("xenps-move 1\n")
            .Append("domid ").Append(plan.Request.Domain.Id.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("was ").Append(plan.WasRunning ? "running" : "paused").Append('\n')
            .Append("limit ").Append(((int)Math.Ceiling(plan.Request.Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var line in stderr.Split('\n'))
        {
            const string prefix = "xenps-move: ";
            if (line.StartsWith(prefix, StringComparison.Ordinal)) sb.Append(line.Substring(prefix.Length).TrimEnd('\r')).Append(" 0\n");
        }
        return sb.ToString();
    }

    /// <summary>Waits (up to <see cref="OutcomeWait"/>) until the status file on the source has an end, or the script
    /// is gone without one; null when the file cannot be read at all, or is another move's (this one's went).</summary>
    private async Task<XenMoveStatus?> WaitForOutcomeAsync(XenMigrationPlan plan, string operation, CancellationToken ct)
    {
        var until = DateTime.UtcNow + OutcomeWait;
        XenMoveStatus? last = null;
        while (true)
        {
            try
            {
                last = await ReadStatusAsync(plan, ct, operation).ConfigureAwait(false);
                if (last is null || last.IsFinal || last.Alive == false) return last;
            }
            catch (XenException ex)
            {
                Output.WriteVerbose($"The move status on '{_source.Host.ComputerName}' could not be read yet: {ex.Message.Split('\n')[0]}");
            }
            if (DateTime.UtcNow >= until) return last;
            await Task.Delay(OutcomePoll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the status file of a move that needs no later look (moved, or back where it was), only while
    /// it is still this move's (another move of the domain may have started since this one ended).</summary>
    private async Task<XenMoveStatus> ForgetIfDoneAsync(XenMigrationPlan plan, XenMoveStatus status, string operation, CancellationToken ct)
    {
        if (status.End is XenMoveStatus.EndDestroyedSource or XenMoveStatus.EndResumedSource or XenMoveStatus.EndKeptSourcePaused)
        {
            var script = StatusFolderLines(plan)
                .Line($"xenps_sf=\"$xenps_sd/move-\"{plan.Request.Domain.Id}\".status\"")
                .Append(RemoveIfMineLines(operation));
            try
            {
                await _source.Host.RunScriptAsync(script, new HostRunOptions { Timeout = TimeSpan.FromSeconds(60), OnCommandLine = l => Output.WriteDebug("Running: " + l) }, ct).ConfigureAwait(false);
            }
            catch (XenException ex)
            {
                Output.WriteDebug($"The move status file on '{_source.Host.ComputerName}' was not removed: {ex.Message.Split('\n')[0]}");
            }
        }
        return status;
    }

    /// <summary>Reads the status file of this domain's move on the source (and whether its script still runs); null
    /// when there is none, or when <paramref name="operation"/> is given and the file is another move's.</summary>
    internal async Task<XenMoveStatus?> ReadStatusAsync(XenMigrationPlan plan, CancellationToken ct, string? operation = null)
    {
        var script = StatusFolderLines(plan)
            .Line($"xenps_sf=\"$xenps_sd/move-\"{plan.Request.Domain.Id}\".status\"")
            .Line($"[ -f \"$xenps_sf\" ] && [ ! -L \"$xenps_sf\" ] || exit 0")
            .Line($"cat -- \"$xenps_sf\"")
            .Line($"xenps_p=$(awk '$1 == \"pid\" {{ print $2; exit }}' \"$xenps_sf\")")
            .Line($"if [ -n \"$xenps_p\" ] && kill -s 0 \"$xenps_p\" 2>/dev/null; then echo 'alive 1'; else echo 'alive 0'; fi")
            .Line($"exit 0");
        var result = await _source.Host.RunScriptAsync(script, new HostRunOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            OnCommandLine = line => Output.WriteDebug("Running: " + line),
        }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Fail("XenFileOperationFailed", XenErrorKind.ReadError,
                $"Could not read the move status of '{plan.Request.Domain.Name}' on '{_source.Host.ComputerName}': {XlErrorClassifier.Summarize(result.StandardError)}");
        }
        Output.WriteDebug($"Move status on '{_source.Host.ComputerName}':\n{result.StandardOutput.TrimEnd('\n')}");
        var status = XenMoveStatus.Parse(result.StandardOutput);
        // A file of another domain that had this id before (ids are reused only after a long while, or a reboot).
        if (status?.Uuid is { } u && plan.Uuid is { } mine && u != mine) return null;
        if (operation is not null && status is not null && status.Operation != operation) return null;
        return status;
    }

    /// <summary>The move's script refused to start (nothing was changed): another move of the domain runs, or the
    /// status folder is not private.</summary>
    private void ThrowIfNotStarted(XenMigrationPlan plan, CommandResult result)
    {
        var name = plan.Request.Domain.Name;
        var src = _source.Host.ComputerName;
        if (result.ExitCode == BusyExit)
        {
            throw Fail("XenMigrationInProgress", XenErrorKind.ResourceUnavailable,
                $"Another Move-XenDomain of '{name}' is running on '{src}': wait for it to end. Nothing was changed.");
        }
        if (result.ExitCode == StatusFolderExit)
        {
            throw Fail("XenMigrationFailed", XenErrorKind.PermissionDenied,
                $"'{name}' was not moved: {XlErrorClassifier.Summarize(result.StandardError)} Nothing was changed.");
        }
    }

    private const int BusyExit = 75;
    private const int StatusFolderExit = 70;

    /// <summary>Sets xenps_sd to the folder of the status files on the source.</summary>
    private static ShellScript StatusFolderLines(XenMigrationPlan plan)
    {
        var s = new ShellScript();
        if (plan.Request.StatusDirectory is { } dir)
        {
            HostFileSystem.ValidatePath(dir);
            s.Line($"xenps_sd={dir}");
        }
        else
        {
            s.Line($"if [ \"$(id -u)\" = 0 ]; then xenps_sd=/var/run/xenps; else xenps_sd=\"${{TMPDIR:-/tmp}}/xenps-$(id -u)\"; fi");
        }
        return s;
    }

    /// <summary>
    /// The first lines of a move's script on the source (live or not): the private status folder (exit
    /// <see cref="StatusFolderExit"/> when it is not), the refusal of a second move of the same domain while one runs
    /// (a status file without an end whose process is alive: exit <see cref="BusyExit"/>), and this move's status file
    /// (xenps_sf), which says that it runs until it ends (not live: its end line; live: the file is removed).
    /// </summary>
    private static ShellScript StatusLockLines(XenMigrationPlan plan, string operation, string was, int limit, bool live)
    {
        var id = plan.Request.Domain.Id;
        var uuid = plan.Uuid?.ToString("D") ?? "-";
        var s = new ShellScript()
            .Line($"umask 077")
            .Append(StatusFolderLines(plan))
            .Line($"mkdir -p -- \"$xenps_sd\" 2>/dev/null")
            .Line($"if [ -L \"$xenps_sd\" ] || [ ! -d \"$xenps_sd\" ] || [ ! -O \"$xenps_sd\" ] || ! chmod 700 -- \"$xenps_sd\"; then")
            .Line($"  printf 'xenps: the status folder %s on this host is not a private directory of this user (a symbolic link, not a directory, or someone else'\\''s)\\n' \"$xenps_sd\" >&2; exit {StatusFolderExit}")
            .Line($"fi")
            .Line($"xenps_sf=\"$xenps_sd/move-\"{id}\".status\"; export xenps_sf")
            // Made with noclobber (O_EXCL): of two moves that start together, one gets the file, the other is refused.
            .Line($"xenps_lock() {{ ( set -C; printf 'xenps-move 1\\nop %s\\npid %s\\ndomid %s\\nuuid %s\\nwas %s\\nlimit %s\\n%s' {operation} \"$$\" {id} {uuid} {was} {limit} {(live ? "live 1\n" : string.Empty)} > \"$xenps_sf\" ) 2>/dev/null; }}")
            .Line($"if ! xenps_lock; then")
            // The file of another move: it runs while it has no end and its process lives; else it is an old one.
            .Line($"  if [ -f \"$xenps_sf\" ] && ! grep -q '^end ' \"$xenps_sf\"; then")
            .Line($"    xenps_p=$(awk '$1 == \"pid\" {{ print $2; exit }}' \"$xenps_sf\")")
            .Line($"    if [ -n \"$xenps_p\" ] && kill -s 0 \"$xenps_p\" 2>/dev/null; then echo \"xenps: another move of domain \"{id}\" is running (process $xenps_p)\" >&2; exit {BusyExit}; fi")
            .Line($"  fi")
            .Line($"  rm -f -- \"$xenps_sf\"")
            .Line($"  if ! xenps_lock; then")
            .Line($"    [ -e \"$xenps_sf\" ] && {{ echo \"xenps: another move of domain \"{id}\" has just started\" >&2; exit {BusyExit}; }}")
            .Line($"    printf 'xenps: the status file %s cannot be written\\n' \"$xenps_sf\" >&2; exit {StatusFolderExit}")
            .Line($"  fi")
            .Line($"fi")
            .Line($"rm -f -- \"$xenps_sf.pipe\" \"$xenps_sf.save\"");
        return s;
    }

    /// <summary>Removes the status file xenps_sf only when it is the move <paramref name="operation"/>'s.</summary>
    private static ShellScript RemoveIfMineLines(string operation) =>
        ShellScript.Of($"[ \"$(awk '$1 == \"op\" {{ print $2; exit }}' \"$xenps_sf\" 2>/dev/null)\" = {operation} ] && rm -f -- \"$xenps_sf\"; :");

    /// <summary>
    /// The script the source runs for a move without -Live. Read whole before it starts (the supervisor's brace group);
    /// SIGPIPE and SIGHUP are ignored, so that losing the session does not stop its decision. Steps:
    /// <list type="number">
    /// <item>the status folder: created 0700, refused (exit 70) when it is a symbolic link, not a directory or not the
    /// user's; a move of this domain still running (status file without an end, its process alive) is refused (exit 75);</item>
    /// <item>the transfer, supervised (deadline: the time limit; stopped when XenPS goes away): xl save -p ID into a fifo
    /// read by ssh ... xl restore [-p] on the destination. Stopping it first ends only the ssh (the work traps SIGTERM),
    /// so that xl save fails on the broken pipe and resumes the guest itself, as it does when its transport breaks; a
    /// killed xl save would leave it suspended, which xl cannot undo;</item>
    /// <item>the destination's xl list, asked over the same ssh command (3 tries): running, paused, other (shut down,
    /// dying, NAME--incoming), absent, or unknown when it cannot be asked;</item>
    /// <item>the decision, from what the destination has and what the source's copy is now: destroy the source's copy
    /// when the destination runs the guest (or has it paused after a complete transfer of a paused guest); unpause it
    /// when the destination does not list it at all and it ran before; keep it paused otherwise. A source copy that
    /// runs while the destination runs the guest too (xl save resumed it) is paused again.</item>
    /// </list>
    /// Every step is a line in the status file and on standard error ("xenps-move: ...").
    /// </summary>
    internal static ShellScript BuildMoveScript(XenMigrationPlan plan, string operation)
    {
        var domain = plan.Request.Domain;
        var id = domain.Id;
        var ssh = plan.SshCommand.Concat(new[] { plan.Address.Host }).ToList();
        var restore = plan.WasRunning ? new[] { "xl", "restore", "/dev/stdin" } : new[] { "xl", "restore", "-p", "/dev/stdin" };
        var was = plan.WasRunning ? "running" : "paused";
        var limit = (int)Math.Ceiling(plan.Request.Timeout.TotalSeconds);
        var settle = Math.Max(0, (int)Math.Ceiling(plan.Request.SettleTime.TotalSeconds));

        // (The supervisor ignores SIGPIPE and SIGHUP for a run with an after-part: the decision is made even when the
        // session is gone.)
        var before = new ShellScript()
            .Append(StatusLockLines(plan, operation, was, limit, live: false))
            .Line($"xenps_note() {{ printf '%s %s\\n' \"$*\" \"$(date +%s)\" >> \"$xenps_sf\"; printf 'xenps-move: %s\\n' \"$*\" >&2; }}")
            .Line($"mkfifo -m 600 \"$xenps_sf.pipe\" || {{ xenps_note end {XenMoveStatus.EndResumedSource}; exit 1; }}")
            .Line($"xenps_note phase saving");

        // The transfer. On SIGTERM (the supervisor stopping it) only the ssh to the destination is ended: xl save then
        // fails on the broken pipe (SIGPIPE is ignored) and resumes the guest, as xl does when its transport breaks.
        var work = SshXenHost.PathPrelude
            .Line($"trap '' PIPE")
            .Line($"xenps_t=''")
            .Line($"trap 'kill \"$xenps_t\" 2>/dev/null' TERM")
            .Line($"{ShellScript.Words(ssh)} {ShellScript.Words(restore)} < \"$xenps_sf.pipe\" & xenps_t=$!")
            .Line($"xl save -p {id} /dev/stdout > \"$xenps_sf.pipe\" & xenps_s=$!")
            .Line($"xenps_wait() {{ while :; do wait \"$1\"; xenps_x=$?; if [ \"$xenps_x\" -gt 128 ] && kill -s 0 \"$1\" 2>/dev/null; then continue; fi; break; done; return \"$xenps_x\"; }}")
            .Line($"xenps_wait \"$xenps_s\"; echo $? > \"$xenps_sf.save\"")
            .Line($"xenps_wait \"$xenps_t\"; exit $?");

        var dstList = plan.SshCommand.Concat(new[] { plan.Address.Host, "xl", "list" }).ToList();
        var dstDestroy = plan.SshCommand.Concat(new[] { plan.Address.Host, "xl", "destroy" }).ToList();
        var after = new ShellScript()
            .Line($"xenps_sr=$(cat -- \"$xenps_sf.save\" 2>/dev/null); rm -f -- \"$xenps_sf.save\" \"$xenps_sf.pipe\"; [ -n \"$xenps_sr\" ] || xenps_sr=none")
            .Line($"xenps_note transfer save=$xenps_sr restore=$xenps_r stopped=$xenps_stopped")
            .Line($"xenps_note phase checking-destination")
            .Append(SameDomainFunction(ssh, plan.Uuid ?? domain.Uuid))
            .Line($"XENPS_N={domain.Name}; export XENPS_N")
            .Line($"xenps_ok=0; [ \"$xenps_sr\" = 0 ] && [ \"$xenps_r\" = 0 ] && xenps_ok=1")
            // Asked until the answer is final: up to 3 tries when dst cannot be asked; while dst lists the guest neither
            // running nor absent (a restore that is still finishing, or cleaning up after a cut transfer: its stream has
            // ended either way), a look every 5 s for up to SettleTime, by the clock (each look is an ssh round trip that
            // can take seconds itself). A paused guest that arrived complete is final.
            .Line($"xenps_ds=unknown; xenps_u=0; xenps_i=0; xenps_t0=$(date +%s)")
            .Line($"while :; do")
            .Line($"  [ \"$xenps_i\" -gt 0 ] && sleep 5")
            .Line($"  xenps_i=$((xenps_i + 1))")
            .Line($"  if xenps_out=$($xenps_to {ShellScript.Words(dstList)} </dev/null 2>/dev/null); then")
            .Line($"    xenps_ds=$(printf '%s\\n' \"$xenps_out\" | awk {DestinationClassifier})")
            .Line($"  else")
            .Line($"    xenps_ds=unknown; xenps_u=$((xenps_u + 1)); [ \"$xenps_u\" -lt 3 ] && continue; break")
            .Line($"  fi")
            .Line($"  case \"$xenps_ds\" in")
            .Line($"    running|absent) break ;;")
            .Line($"    paused) [ \"$xenps_ok\" = 1 ] && [ {was} = paused ] && break ;;")
            .Line($"  esac")
            .Line($"  [ $(( $(date +%s) - xenps_t0 )) -lt {settle} ] || break")
            .Line($"  xenps_note destination-settling \"$xenps_ds\"")
            .Line($"done")
            .Line($"xenps_note destination \"$xenps_ds\"")
            // The source's own copy now (by id): running, paused, suspended, down, or gone.
            .Line($"xenps_ss=$(xl list 2>/dev/null | awk {SourceClassifier(id)})")
            .Line($"[ -n \"$xenps_ss\" ] || xenps_ss=gone")
            .Line($"xenps_end() {{ xenps_note end \"$1\"; exit \"$2\"; }}")
            .Line($"case \"$xenps_ds\" in")
            .Line($"  running) xenps_a=destroy ;;")
            // A guest that ran before and is paused on the destination after a failed transfer is a copy that never
            // completed (xl restore unpauses it only at its end): that copy goes, then the source resumes.
            .Line($"  paused) if [ \"$xenps_ok\" = 1 ] && [ {was} = paused ]; then xenps_a=destroy; elif [ \"$xenps_ok\" = 0 ] && [ {was} = running ]; then xenps_a=clear; else xenps_a=keep; fi ;;")
            .Line($"  absent) xenps_a=resume ;;")
            .Line($"  other) xenps_a=keep ;;")
            .Line($"  *) xenps_a=unknown ;;")
            .Line($"esac")
            .Line($"if [ \"$xenps_a\" = clear ]; then")
            .Line($"  xenps_a=keep")
            .Line($"  xenps_did=$(printf '%s\\n' \"$xenps_out\" | awk {DestinationPausedId})")
            .Line($"  case \"$xenps_did\" in")
            .Line($"    ''|*[!0-9]*) ;;")
            .Line($"    *) if xenps_same \"$xenps_did\" {domain.Name} && $xenps_to {ShellScript.Words(dstDestroy)} \"$xenps_did\" </dev/null >/dev/null 2>&1; then")
            .Line($"         xenps_note destination-cleared \"$xenps_did\"")
            .Line($"         if xenps_out=$($xenps_to {ShellScript.Words(dstList)} </dev/null 2>/dev/null); then xenps_ds=$(printf '%s\\n' \"$xenps_out\" | awk {DestinationClassifier}); else xenps_ds=unknown; fi")
            .Line($"         xenps_note destination \"$xenps_ds\"")
            .Line($"         [ \"$xenps_ds\" = absent ] && xenps_a=resume")
            .Line($"       fi ;;")
            .Line($"  esac")
            .Line($"fi")
            .Line($"if [ \"$xenps_a\" = destroy ]; then")
            .Line($"  case \"$xenps_ss\" in")
            .Line($"    gone) xenps_end {XenMoveStatus.EndDestroyedSource} 0 ;;")
            .Line($"    running) xl pause {id} </dev/null; xenps_end {XenMoveStatus.EndBothRan} 1 ;;")
            .Line($"  esac")
            .Line($"  if xl destroy {id} </dev/null; then xenps_end {XenMoveStatus.EndDestroyedSource} 0; else xenps_end {XenMoveStatus.EndDestroyFailed} 1; fi")
            .Line($"fi")
            .Line($"case \"$xenps_ss\" in")
            .Line($"  gone) xenps_end {XenMoveStatus.EndSourceGone} 1 ;;")
            .Line($"  suspended) xenps_end {XenMoveStatus.EndSourceSuspended} 1 ;;")
            .Line($"esac")
            .Line($"if [ \"$xenps_a\" = resume ]; then")
            .Line($"  [ {was} = paused ] && xenps_end {XenMoveStatus.EndKeptSourcePaused} 1")
            .Line($"  [ \"$xenps_ss\" = running ] && xenps_end {XenMoveStatus.EndResumedSource} 1")
            .Line($"  if xl unpause {id} </dev/null; then xenps_end {XenMoveStatus.EndResumedSource} 1; else xenps_end {XenMoveStatus.EndResumeFailed} 1; fi")
            .Line($"fi")
            // Keep: the source's copy must not run while the destination has one. One that runs (xl save resumed it) is
            // paused again.
            .Line($"[ \"$xenps_ss\" = running ] && xl pause {id} </dev/null")
            .Line($"if [ \"$xenps_a\" = keep ]; then xenps_end {XenMoveStatus.EndDestinationHasCopy} 1; fi")
            .Line($"xenps_end {XenMoveStatus.EndDestinationUnknown} 1");

        return RemoteSupervisor.Wrap(work, limit, RemoteStopMode.LeaderFirst, before, after);
    }

    /// <summary>awk program: what the destination's xl list says of the domain named $XENPS_N (name compared as a string,
    /// never as a pattern): running, paused, other (shut down, crashed, dying, several, or NAME--incoming), absent.</summary>
    private const string DestinationClassifier =
        "BEGIN { n = ENVIRON[\"XENPS_N\"]; r = \"absent\" } " +
        "NR > 1 { line = $0; sub(/[ \\t]+-?[0-9]+[ \\t]+[0-9]+[ \\t]+[0-9]+[ \\t]+[-a-z]+[ \\t]+[0-9.]+[ \\t]*$/, \"\", line); st = $(NF-1); " +
        "if (line == n \"--incoming\") r = \"other\"; " +
        "else if (line == n) { if (r != \"absent\") r = \"other\"; else if (st ~ /[scd]/) r = \"other\"; else if (st ~ /p/) r = \"paused\"; else r = \"running\" } } " +
        "END { print r }";

    /// <summary>awk program: the id of the one domain named $XENPS_N that the destination's xl list shows paused (and
    /// nothing else); nothing when there is none or several.</summary>
    private const string DestinationPausedId =
        "BEGIN { n = ENVIRON[\"XENPS_N\"]; c = 0 } " +
        "NR > 1 { line = $0; sub(/[ \\t]+-?[0-9]+[ \\t]+[0-9]+[ \\t]+[0-9]+[ \\t]+[-a-z]+[ \\t]+[0-9.]+[ \\t]*$/, \"\", line); " +
        "if (line == n) { c++; if ($(NF-1) ~ /p/ && $(NF-1) !~ /[scd]/) id = $(NF-4) } } " +
        "END { if (c == 1 && id != \"\") print id }";

    /// <summary>awk program: the state of the source's domain <paramref name="id"/> in xl list: running, paused,
    /// suspended, down; nothing when it is not listed.</summary>
    private static string SourceClassifier(int id) =>
        "NR > 1 && $(NF-4) == " + id.ToString(CultureInfo.InvariantCulture) + " { st = $(NF-1); " +
        "if (substr(st, 4, 2) == \"ss\") print \"suspended\"; else if (st ~ /[scd]/) print \"down\"; else if (st ~ /p/) print \"paused\"; else print \"running\"; exit }";

    /// <summary>The error of a not-live move that did not end with the guest on the destination.</summary>
    private XenException NotMoved(XenMigrationPlan plan, XenMoveStatus status)
    {
        var name = plan.Request.Domain.Name;
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        var text = status.Describe(name, src, dst);
        var clean = status.End is XenMoveStatus.EndResumedSource or XenMoveStatus.EndKeptSourcePaused or XenMoveStatus.EndResumeFailed;
        string id;
        XenErrorKind kind;
        if (status.Stopped)
        {
            id = "XenMigrationTimeout";
            kind = XenErrorKind.OperationTimeout;
        }
        else if (clean)
        {
            id = "XenMigrationFailed";
            kind = XenErrorKind.InvalidOperation;
        }
        else
        {
            id = "XenMigrationIncomplete";
            kind = XenErrorKind.InvalidResult;
        }
        var head = status.Stopped
            ? $"Moving '{name}' from '{src}' to '{dst}' did not end within {plan.Request.Timeout.TotalSeconds:0} s."
            : $"Moving '{name}' from '{src}' to '{dst}' failed.";
        return new XenException(id, kind, $"{head} {text}") { ComputerName = src };
    }

    /// <summary>Builds the error of a failed xl migrate, after finding out where the domain is now. Nothing is resumed,
    /// unpaused or destroyed here: xl has done what can be done safely (resumed at the sender before the final
    /// handshake), and after the handshake only the user can tell which copy is current.</summary>
    private async Task<XenException> LiveFailedAsync(XenMigrationPlan plan, XenException cause)
    {
        var domain = plan.Request.Domain;
        var name = domain.Name;
        var src = _source.Host.ComputerName;
        var dst = _destination.Host.ComputerName;
        var stderr = cause is XenCommandException c ? c.StandardError : cause is XenCommandTimeoutException t ? t.StandardError : string.Empty;
        var why = new StringBuilder();
        if (stderr.IndexOf("Failed to enable logdirty", StringComparison.Ordinal) >= 0)
        {
            why.Append(" The hypervisor of '").Append(src).Append("' cannot track the dirty memory of this PV guest (log-dirty mode for PV needs shadow paging, which this Xen build lacks: Debian's Xen is built without it, FreeBSD's xen-kernel has it). ")
               .Append("Move it without -Live (the guest is paused while its memory is copied), or use a PVH/HVM guest.");
        }
        var undefined = stderr.IndexOf("Migration failed during final handshake", StringComparison.Ordinal) >= 0;
        // The ids of the paused incomplete copies (NAME--incoming) the script on the source destroyed on the destination.
        var cleared = stderr.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("xenps-move: destination-cleared ", StringComparison.Ordinal))
            .Select(l => l.Substring("xenps-move: destination-cleared ".Length)).Where(v => v.Length > 0 && v.All(char.IsDigit)).ToList();
        var clearedText = cleared.Count == 0 ? string.Empty
            : $" The paused incomplete copy '{name}--incoming' that the transfer left on '{dst}' (id {string.Join(", ", cleared)}) was destroyed there.";
        var where = string.Empty;
        var incomplete = undefined;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            // The same guest by UUID (when known) under any of the names xl gives it during a move.
            bool Same(XenDomain d) => domain.Uuid is null || d.Uuid is null || d.Uuid == domain.Uuid;
            var onSourceAll = await _source.ListAsync(cts.Token).ConfigureAwait(false);
            var onSource = onSourceAll.FirstOrDefault(d => d.Id == domain.Id && Same(d));
            var awayCopy = onSourceAll.FirstOrDefault(d => d.Name == name + "--migratedaway" && Same(d));
            var onDestinationAll = await _destination.ListAsync(cts.Token).ConfigureAwait(false);
            var onDestination = onDestinationAll.FirstOrDefault(d => d.Name == name && Same(d)) ?? onDestinationAll.FirstOrDefault(d => d.Name == name + "--incoming" && Same(d));
            if (onSource is not null && onDestination is null && onSource.Name == name)
            {
                where = $" '{name}' still runs on '{src}' ({onSource.StateText}, id {onSource.Id}).{clearedText}";
            }
            else
            {
                incomplete = true;
                var s = onSource is null ? $"'{src}' no longer lists it (id {domain.Id})" : $"'{src}' lists it as '{onSource.Name}' ({onSource.StateText}, id {onSource.Id})";
                if (awayCopy is not null && awayCopy.Id != onSource?.Id) s += $" and has '{awayCopy.Name}' ({awayCopy.StateText}, id {awayCopy.Id})";
                var there = onDestination is null ? $"'{dst}' does not list it" : $"'{dst}' lists '{onDestination.Name}' ({onDestination.StateText}, id {onDestination.Id})";
                where = $" Now {s}; {there}.{clearedText} {(cleared.Count == 0 ? "XenPS resumed and destroyed nothing" : "XenPS resumed nothing and destroyed no other copy")}: check both hosts and keep at most one copy running (never both: they share the disks).";
            }
        }
        catch (Exception ex) when (ex is XenException || ex is OperationCanceledException)
        {
            incomplete = true;
            where = $" Where '{name}' is now could not be checked ({ex.Message.Split('\n')[0]}): check both hosts (Get-XenDomain -ComputerName {src}, {dst}) before resuming anything.";
        }

        var timeout = cause is XenCommandTimeoutException;
        var id = timeout ? "XenMigrationTimeout" : incomplete ? "XenMigrationIncomplete" : "XenMigrationFailed";
        var kind = timeout ? XenErrorKind.OperationTimeout : incomplete ? XenErrorKind.InvalidResult : XenErrorKind.InvalidOperation;
        var said = XlErrorClassifier.Summarize(stderr);
        var message = $"Moving '{name}' from '{src}' to '{dst}' failed{(timeout ? $" (no end within {plan.Request.Timeout.TotalSeconds:0} s: xl migrate was stopped through its transport, so it resumed the guest at the sender if it could)" : string.Empty)}." +
                      (said.Length > 0 ? " xl said: " + said + "." : string.Empty) + why + where;
        return new XenException(id, kind, message, cause) { ComputerName = src };
    }

    /// <summary>How far a transfer is, from xl's sender and receiver messages (xl_migrate.c, xl_saverestore.c) and the
    /// move script's own lines.</summary>
    internal static int PhasePercent(string line)
    {
        var progress = System.Text.RegularExpressions.Regex.Match(line, @"^xc: progress: .*?(?<p>\d{1,3})%\s*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (progress.Success) return 20 + (int)(Math.Min(100, int.Parse(progress.Groups["p"].Value, CultureInfo.InvariantCulture)) * 0.6);
        if (line.Contains("Migration successful") || line.StartsWith("xenps-move: end " + XenMoveStatus.EndDestroyedSource, StringComparison.Ordinal)) return 100;
        if (line.StartsWith("xenps-move: destination", StringComparison.Ordinal)) return 97;
        if (line.Contains("Target reports successful startup") || line.Contains("Domain started succ")) return 97;
        if (line.StartsWith("xenps-move: phase checking-destination", StringComparison.Ordinal)) return 96;
        if (line.Contains("Giving target permission to start") || line.Contains("Got permission")) return 93;
        if (line.Contains("Target has acknowledged transfer")) return 90;
        if (line.Contains("Transfer complete")) return 85;
        if (line.Contains("Restore successful")) return 80;
        if (line.Contains("Restoring domain")) return 20;
        if (line.Contains("Saving domain") || line.Contains("Found x86")) return 15;
        if (line.Contains("Saving to") || line.Contains("Loading new save file")) return 10;
        if (line.Contains("Ready to receive domain") || line.StartsWith("xenps-move: phase saving", StringComparison.Ordinal)) return 5;
        return 0;
    }

    private static XenException Fail(string id, XenErrorKind kind, string message, Exception? inner = null) => new(id, kind, message, inner);
}
