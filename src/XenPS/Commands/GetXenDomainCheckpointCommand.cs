using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Storage;
using XenPS.Core.Xl;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the checkpoints of guests: the ZFS snapshot names found on the ZFS volumes they write to, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "XenDomainCheckpoint")]
[OutputType(typeof(XenStorageCheckpoint))]
public sealed class GetXenDomainCheckpointCommand : XenFanOutCmdlet
{
    /// <summary>The guests (exact names, running or not). Default: every running guest and every configuration file
    /// of the configuration directory.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the checkpoints with these names (wildcards).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? CheckpointName { get; set; }

    /// <summary>The configuration file of a guest that is not running (default: &lt;config dir&gt;/&lt;name&gt;.cfg).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var names = Name;
        var configPath = names is { Length: 1 } ? ConfigPath : null;
        var patterns = CheckpointName?.Select(p => new WildcardPattern(p, WildcardOptions.None)).ToList();
        Func<string, bool>? filter = patterns is null ? null : n => patterns.Any(p => p.IsMatch(n));
        ForEachHostParallel(ComputerName, async (xl, ct) =>
        {
            var explicitNames = names is not null;
            var guests = names?.ToList() ?? await AllGuestsAsync(xl, ct).ConfigureAwait(false);
            var ops = new CheckpointOperations(xl);
            foreach (var name in guests)
            {
                try
                {
                    var guest = await GuestStorage.ResolveAsync(xl, name, configPath, needConfig: false, ct).ConfigureAwait(false);
                    var list = await ops.ListAsync(guest, null, ct, filter).ConfigureAwait(false);
                    Post(() => WriteObject(list, enumerateCollection: true));
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // Asked for by name: its error. Found by looking around: only a guest that cannot be read says so.
                    if (explicitNames || ex is not XenException { ErrorId: "XenDomainNotFound" or "XenConfigNameMismatch" or "XenInvalidDomainName" })
                        Post(() => WriteXenError(ex, name));
                }
            }
        });
    }

    /// <summary>The running guests and the guests that have a configuration file, each once.</summary>
    private static async Task<List<string>> AllGuestsAsync(XlClient xl, CancellationToken ct)
    {
        var running = (await xl.ListAsync(ct).ConfigureAwait(false)).Where(d => d.Id != 0).Select(d => d.Name);
        var dir = await XenPaths.GetConfigDirectoryAsync(xl.Host, ct).ConfigureAwait(false);
        var files = (await new XenConfigStore(xl.Host, xl.Output).ListAsync(dir, ct).ConfigureAwait(false))
            .Select(p => p.Substring(p.LastIndexOf('/') + 1))
            .Select(f => f.Substring(0, f.Length - ".cfg".Length));
        return running.Concat(files).Distinct(StringComparer.Ordinal).ToList();
    }
}
