using System;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Recreates domains from checkpoint files written by Save-XenDomain (xl restore) and returns them.</summary>
[Cmdlet(VerbsData.Restore, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(XenDomain))]
public sealed class RestoreXenDomainCommand : XenCmdlet
{
    /// <summary>Checkpoint files on the host (XenDomainCheckpoint objects from Save-XenDomain bind by their Path).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>Leave the restored domain paused (xl restore -p); Resume-XenDomain starts it.</summary>
    [Parameter]
    public SwitchParameter Paused { get; set; }

    /// <summary>The limit of each restore, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        foreach (var path in Path)
        {
            try
            {
                HostFileSystem.ValidatePath(path);
                if (!Await(new HostFileSystem(xl.Host, Output).ExistsAsync(path, CancelToken)))
                    throw new XenException("XenCheckpointNotFound", XenErrorKind.ObjectNotFound, $"The checkpoint file {path} does not exist on {xl.Host.ComputerName}.");
                if (!ShouldProcess($"{path} on {xl.Host.ComputerName}", $"Restore the domain saved in it (xl restore{(Paused ? " -p" : string.Empty)})")) continue;
                var status = "xl restore " + path;
                var domain = AwaitWithProgress(xl.RestoreAsync(path, Paused, null, TimeSpan.FromSeconds(TimeoutSec), CancelToken, line =>
                {
                    status = line.Trim();
                    ReportProgress();
                }), $"Restoring {path} on {xl.Host.ComputerName}", () => (status, ProgressOf(status)));
                WriteObject(domain);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, path);
            }
        }
    });

    private static int ProgressOf(string line)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"(\d{1,3})%\s*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return m.Success ? Math.Min(100, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) : 0;
    }
}
