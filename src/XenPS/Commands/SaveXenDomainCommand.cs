using System;
using System.Globalization;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Saves domains to checkpoint files on their host (xl save): the domain stops, unless -KeepRunning.</summary>
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

    protected override XenDomain? Act(XlClient xl, XenDomain domain)
    {
        var fs = new HostFileSystem(xl.Host, Output);
        var path = Path.TrimEnd('/').Length == 0 ? "/" : Path;
        if (Path.EndsWith("/", StringComparison.Ordinal) || Await(fs.IsDirectoryAsync(path, CancelToken)))
            path = path.TrimEnd('/') + "/" + domain.Name + ".save";
        if (Await(fs.ExistsAsync(path, CancelToken)) && !Force)
        {
            throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                $"{path} already exists on {xl.Host.ComputerName}: give another -Path, or -Force to replace it.");
        }

        var status = "xl save";
        var started = DateTime.Now;
        try
        {
            AwaitWithProgress(xl.SaveAsync(domain.Name, path, KeepRunning, TimeSpan.FromSeconds(TimeoutSec), CancelToken, line =>
            {
                status = line.Trim();
                ReportProgress();
            }), $"Saving {domain.Name} on {xl.Host.ComputerName} to {path}", () => (status, 0));
        }
        catch (XenCommandTimeoutException ex) when (!CancelToken.IsCancellationRequested)
        {
            // xl save was stopped (on a remote host, by the supervisor: through its save helper first, so that xl can
            // resume the guest). Say what state the guest is in now.
            throw new XenException("XenSaveTimeout", XenErrorKind.OperationTimeout,
                $"Saving '{domain.Name}' on '{xl.Host.ComputerName}' to {path} did not end within {TimeoutSec} s and was stopped. {Await(StateNowAsync(xl, domain))}" +
                (XlErrorClassifier.Summarize(ex.StandardError) is { Length: > 0 } said ? $" xl said: {said}." : string.Empty), ex) { ComputerName = xl.Host.ComputerName };
        }
        if (!KeepRunning)
            Await(xl.WaitForAsync(domain.Name, d => d is null, TimeSpan.FromSeconds(60), CancelToken));

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
            var now = (await xl.ListAsync(cts.Token).ConfigureAwait(false)).Find(d => d.Id == domain.Id);
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
