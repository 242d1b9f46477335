using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Core;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Saves domains to checkpoint files on their host (xl save): the domain stops, unless -KeepRunning. A
/// checkpoint holds the guest's memory and configuration (passwords included): it is written mode 0600, created so
/// before xl writes into it. A -Path that is one file takes one domain: when several domains would be saved to it,
/// the cmdlet refuses before any is stopped or saved.</summary>
[Cmdlet(VerbsData.Save, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomainCheckpoint))]
public sealed class SaveXenDomainCommand : XenDomainActionCmdlet
{
    /// <summary>The checkpoint file on the host, or an existing directory (then &lt;dir&gt;/&lt;name&gt;.save).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Leave the domain running after the save (xl save -c).</summary>
    [Parameter]
    public SwitchParameter KeepRunning { get; set; }

    /// <summary>Replace an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The limit of the save, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

    protected override string ActionDescription => KeepRunning
        ? $"Save to {Path} (xl save -c): the domain keeps running"
        : $"Save to {Path} (xl save): the domain stops once its state is written";

    protected override void Validate()
    {
        if (Path.Length == 0 || Path[0] != '/' || Path.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Path '{Path}' must be an absolute path on the host."),
                "XenInvalidArgument", ErrorCategory.InvalidArgument, Path));
        }
    }

    // The records of the pipeline, kept until EndProcessing when -Path may be one file (see ProcessRecord).
    private readonly List<(string[]? Name, int[]? Id, string[]? ComputerName)> _records = new();

    // The files written by this call, per host: a file is never written twice (a second domain would overwrite the
    // checkpoint of the first, which is already destroyed).
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>A -Path that ends with '/' is a directory: each domain is saved as it comes. Any other may be one file,
    /// which can take one domain only, and that is known once every record has come (domains may come one per
    /// pipeline record): so the records are kept, checked together in EndProcessing, and only then acted on.</summary>
    protected override void ProcessRecord()
    {
        if (Path.EndsWith("/", StringComparison.Ordinal))
        {
            base.ProcessRecord();
            return;
        }
        _records.Add((Name?.ToArray(), Id?.ToArray(), ComputerName?.ToArray()));
    }

    protected override void EndProcessing()
    {
        if (_records.Count == 0) return;
        if (MaySelectSeveral()) RefuseSeveralDomainsForOneFile();
        foreach (var (name, id, computerName) in _records)
        {
            Name = name;
            Id = id;
            ComputerName = computerName;
            base.ProcessRecord();
        }
    }

    /// <summary>False for one record that names one domain by id or by a name without wildcards (the common case: no
    /// extra xl list). Such a name selects one domain, or, when no name matches exactly, every name that differs only
    /// in case; should that select two, the second is refused before it is stopped (see Act).</summary>
    private bool MaySelectSeveral()
    {
        if (_records.Count != 1) return true;
        var (name, id, _) = _records[0];
        var count = (name?.Length ?? 0) + (id?.Length ?? 0);
        return count != 1 || (name ?? Array.Empty<string>()).Any(WildcardPattern.ContainsWildcardCharacters);
    }

    /// <summary>Resolves every record (one xl list per host, nothing changed) and throws a terminating error when
    /// several domains of one host would be saved to -Path while it is not a directory there.</summary>
    private void RefuseSeveralDomainsForOneFile()
    {
        var perHost = new Dictionary<string, (XlClient Xl, List<XenDomain> Domains)>(StringComparer.OrdinalIgnoreCase);
        var lists = new Dictionary<string, List<XenDomain>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, id, computerName) in _records)
        {
            foreach (var host in ResolveHosts(computerName))
            {
                if (host.Error is not null) continue; // reported when the record is acted on
                var xl = Xl(host.Host!);
                if (!lists.TryGetValue(host.Target, out var all))
                {
                    try
                    {
                        all = Await(xl.ListAsync(CancelToken));
                    }
                    catch (Exception ex) when (!IsStopping(ex))
                    {
                        continue; // the same failure is reported when the record is acted on
                    }
                    lists[host.Target] = all;
                }
                var selected = DomainFilter.Select(all, name, id, out _).Where(d => d.Id != 0);
                if (!perHost.TryGetValue(host.Target, out var entry)) perHost[host.Target] = entry = (xl, new List<XenDomain>());
                foreach (var d in selected)
                {
                    if (entry.Domains.All(e => e.Id != d.Id)) entry.Domains.Add(d);
                }
            }
        }
        foreach (var pair in perHost)
        {
            var (xl, domains) = pair.Value;
            if (domains.Count < 2 || Await(new HostFileSystem(xl.Host, Output).IsDirectoryAsync(Path, CancelToken))) continue;
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                    $"-Path {Path} is one file, but {domains.Count} domains of host '{xl.Host.ComputerName}' would be saved to it " +
                    $"({string.Join(", ", domains.Select(d => $"{d.Name} (id {d.Id})"))}): each would overwrite the checkpoint of the one before. " +
                    "Nothing was stopped or saved. Give a directory (each domain is saved as <directory>/<name>.save), or save the domains one at a time."),
                "XenCheckpointPathShared", ErrorCategory.InvalidArgument, Path));
        }
    }

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var fs = new HostFileSystem(xl.Host, Output);
        var path = Path.TrimEnd('/').Length == 0 ? "/" : Path;
        if (Path.EndsWith("/", StringComparison.Ordinal) || Await(fs.IsDirectoryAsync(path, CancelToken)))
        {
            // The file is named after the domain: only a name that can name a file (XenDomainName).
            if (XenDomainName.Problem(domain.Name) is { } problem)
            {
                throw new XenException("XenInvalidDomainName", XenErrorKind.InvalidArgument,
                    $"{Path} is a directory, and the checkpoint of {XenDomainName.Quote(domain.Name)} (id {domain.Id}) cannot be named after the domain: its name {problem}. Give a file -Path.");
            }
            path = path.TrimEnd('/') + "/" + domain.Name + ".save";
        }
        if (!_written.Add(xl.Host.ComputerName + "|" + path))
        {
            throw new XenException("XenCheckpointPathShared", XenErrorKind.InvalidArgument,
                $"{path} on {xl.Host.ComputerName} already holds the checkpoint of another domain saved by this command: {XenDomainName.Display(domain.Name)} was not saved (nor stopped).");
        }
        if (Await(fs.ExistsAsync(path, CancelToken)) && !Force)
        {
            throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                $"{path} already exists on {xl.Host.ComputerName}: give another -Path, or -Force to replace it.");
        }

        // One script on the host: the file made mode 0600 before xl writes the guest's memory and configuration
        // (passwords included) into it, xl save under the script's own supervisor, and the file removed again (a
        // replaced one put back) when the save does not complete, whether or not this client is still there.
        var status = "xl save";
        var started = DateTime.Now;
        try
        {
            AwaitWithProgress(CheckpointFile.SaveAsync(xl.Host, Output, domain, path, Force, KeepRunning, TimeSpan.FromSeconds(TimeoutSec), CancelToken, line =>
            {
                status = line.Trim();
                ReportProgress();
            }), $"Saving {XenDomainName.Display(domain.Name)} on {xl.Host.ComputerName} to {path}", () => (status, 0));
        }
        catch (XenCommandTimeoutException ex) when (!CancelToken.IsCancellationRequested)
        {
            // xl save was stopped on the host (through its save helper first, so that xl can resume the guest). Say
            // what state the guest is in now.
            throw new XenException("XenSaveTimeout", XenErrorKind.OperationTimeout,
                $"Saving {XenDomainName.Display(domain.Name)} on '{xl.Host.ComputerName}' to {path} did not end within {TimeoutSec} s and was stopped. {Await(StateNowAsync(xl, domain))}" +
                (XlErrorClassifier.Summarize(ex.StandardError) is { Length: > 0 } said ? $" xl said: {said}." : string.Empty), ex) { ComputerName = xl.Host.ComputerName };
        }
        if (!KeepRunning)
            Await(xl.WaitForInstanceAsync(domain, d => d is null, TimeSpan.FromSeconds(60), CancelToken));

        WriteObject(new XenDomainCheckpoint
        {
            ComputerName = xl.Host.ComputerName,
            Name = domain.Name,
            Path = path,
            SizeBytes = Await(fs.FileSizeAsync(path, CancelToken)),
            SavedAt = started,
            KeptRunning = KeepRunning,
        });
        return null;
    }

    /// <summary>Where the domain is after a stopped save, from xl list (by id).</summary>
    private async System.Threading.Tasks.Task<string> StateNowAsync(XlClient xl, XenDomain domain)
    {
        try
        {
            using var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(60));
            var now = (await xl.ListAsync(cts.Token).ConfigureAwait(false)).Find(d => d.Id == domain.Id && (domain.Uuid is null || d.Uuid is null || d.Uuid == domain.Uuid));
            if (now is null) return $"'{domain.Name}' (id {domain.Id}) is gone from '{xl.Host.ComputerName}'; {Path} may be incomplete.";
            if (now.ShutdownReason == XenShutdownReason.Suspend && (now.State & XenDomainState.Shutdown) != 0)
                return $"'{domain.Name}' is left suspended on '{xl.Host.ComputerName}' ({now.StateText}, id {now.Id}): xl has no command to resume it; destroy it and start it again.";
            if ((now.State & XenDomainState.Paused) != 0) return $"'{domain.Name}' is paused on '{xl.Host.ComputerName}' ({now.StateText}, id {now.Id}): Resume-XenDomain -Id {now.Id} resumes it.";
            return $"'{domain.Name}' still runs on '{xl.Host.ComputerName}' ({now.StateText}, id {now.Id}).";
        }
        catch (Exception ex) when (ex is XenException || ex is OperationCanceledException)
        {
            return $"Its state could not be read ({ex.Message.Split('\n')[0]}): check it with Get-XenDomain.";
        }
    }
}
