using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Xl;

namespace XenPS.Core.Hosts;

/// <summary>Guest storage on a host: ZFS volumes (FreeBSD: `zfs create -V&lt;n&gt;G -o volmode=dev pool/vol`, seen as
/// /dev/zvol/pool/vol) and sparse disk image files.</summary>
public sealed class StorageOperations
{
    private static readonly Regex DatasetName = new(@"^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)+$", RegexOptions.CultureInvariant);
    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public StorageOperations(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>The device path of a ZFS volume.</summary>
    public static string ZvolDevicePath(string volume) => "/dev/zvol/" + volume;

    /// <summary>The ZFS volume behind a /dev/zvol/... path, or null.</summary>
    public static string? ZfsVolumeOf(string target)
    {
        const string prefix = "/dev/zvol/";
        if (!target.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var volume = target.Substring(prefix.Length);
        return IsValidVolumeName(volume) ? volume : null;
    }

    /// <summary>pool/volume: a pool and at least one dataset level, ZFS's own characters only.</summary>
    public static bool IsValidVolumeName(string volume) => DatasetName.IsMatch(volume) && !volume.Split('/').Any(p => p == "." || p == "..");

    public Task<CommandResult> CreateZfsVolumeAsync(string volume, int sizeGB, CancellationToken cancellationToken)
    {
        if (!IsValidVolumeName(volume)) throw new ArgumentException($"'{volume}' is not a ZFS volume name (pool/volume).", nameof(volume));
        return XlClient.RunToolAsync(_host, _output, "zfs",
            new[] { "create", "-V" + sizeGB.ToString(CultureInfo.InvariantCulture) + "G", "-o", "volmode=dev", volume }, cancellationToken, TimeSpan.FromMinutes(5));
    }

    public Task<CommandResult> DestroyZfsVolumeAsync(string volume, CancellationToken cancellationToken)
    {
        if (!IsValidVolumeName(volume)) throw new ArgumentException($"'{volume}' is not a ZFS volume name (pool/volume).", nameof(volume));
        return XlClient.RunToolAsync(_host, _output, "zfs", new[] { "destroy", volume }, cancellationToken, TimeSpan.FromMinutes(5));
    }

    /// <summary>True when a ZFS dataset of that name exists (zfs list exits 1 when it does not).</summary>
    public async Task<bool> ZfsDatasetExistsAsync(string name, CancellationToken cancellationToken)
    {
        var result = await XlClient.RunToolAsync(_host, _output, "zfs", new[] { "list", "-H", "-o", "name", name }, cancellationToken, check: false).ConfigureAwait(false);
        if (result.ExitCode == 127) throw new XenToolNotFoundException("zfs");
        return result.ExitCode == 0;
    }

    /// <summary>Creates a sparse file of the given size, as truncate(1) does; fails if the file exists.</summary>
    public async Task CreateSparseFileAsync(string path, long sizeBytes, CancellationToken cancellationToken)
    {
        HostFileSystem.ValidatePath(path);
        var result = await _host.RunScriptAsync(SparseFileScript(path, sizeBytes), new HostRunOptions { OnCommandLine = l => _output.WriteVerbose("Running: " + l) }, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new XenException(result.ExitCode == 17 ? "XenDiskExists" : "XenDiskCreateFailed", result.ExitCode == 17 ? XenErrorKind.ResourceExists : XenErrorKind.WriteError,
                $"Could not create the disk image {path} on '{_host.ComputerName}': {XlErrorClassifier.Summarize(result.StandardError)}") { ComputerName = _host.ComputerName };
        }
    }

    public async Task<bool> IsRegularFileAsync(string path, CancellationToken cancellationToken)
    {
        HostFileSystem.ValidatePath(path);
        var result = await _host.RunScriptAsync(IsRegularFileScript(path), new HostRunOptions(), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Exit code 17 when the file exists, 2 when its directory does not; else truncate makes it.</summary>
    internal static ShellScript SparseFileScript(string path, long sizeBytes) =>
        ShellScript.Of($"set -e")
            .Line($"[ ! -e {path} ] || {{ printf '%s\\n' {"xenps: " + path + " already exists"} >&2; exit 17; }}")
            .Line($"[ -d {path.Substring(0, Math.Max(1, path.LastIndexOf('/')))} ] || {{ echo 'xenps: the directory does not exist' >&2; exit 2; }}")
            .Line($"truncate -s {sizeBytes} -- {path}");

    internal static ShellScript IsRegularFileScript(string path) => ShellScript.Of($"[ -f {path} ]");
}
