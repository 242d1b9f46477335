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
        AwaitWithProgress(xl.SaveAsync(domain.Name, path, KeepRunning, TimeSpan.FromSeconds(TimeoutSec), CancelToken, line =>
        {
            status = line.Trim();
            ReportProgress();
        }), $"Saving {domain.Name} on {xl.Host.ComputerName} to {path}", () => (status, 0));
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
}
