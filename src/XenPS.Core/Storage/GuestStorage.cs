using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Provisioning;
using XenPS.Core.Xl;

namespace XenPS.Core.Storage;

/// <summary>One disk of a guest and the ZFS volume behind it, if any.</summary>
public sealed class GuestDisk
{
    public GuestDisk(string? vdev, string target, bool readOnly, bool isCdrom)
    {
        Vdev = vdev;
        Target = target;
        ReadOnly = readOnly;
        IsCdrom = isCdrom;
        Volume = StorageOperations.ZfsVolumeOf(target);
    }

    public string? Vdev { get; }
    public string Target { get; }
    public bool ReadOnly { get; }
    public bool IsCdrom { get; }

    /// <summary>pool/volume when the target is /dev/zvol/pool/volume.</summary>
    public string? Volume { get; }

    /// <summary>A disk the guest writes to (checkpoints and copies cover exactly these).</summary>
    public bool IsWritable => !ReadOnly && !IsCdrom;

    public override string ToString() => $"{Vdev}={Target}";
}

/// <summary>
/// A guest and its disks, as the checkpoint and copy cmdlets see it: the running domain (xl list, then its
/// configuration from xl list -l, matched by id, name and UUID) or, when it does not run, its configuration file.
/// This is the one place where those cmdlets look a domain up.
/// </summary>
public sealed class GuestStorage
{
    private GuestStorage(string name, string computerName, XenDomain? running, string? configPath, XenDomUConfig? config, IReadOnlyList<GuestDisk> disks)
    {
        Name = name;
        ComputerName = computerName;
        Running = running;
        ConfigPath = configPath;
        Config = config;
        Disks = disks;
    }

    public string Name { get; }
    public string ComputerName { get; }

    /// <summary>The running instance (its id and UUID), or null when the guest is not running.</summary>
    public XenDomain? Running { get; }

    public bool IsRunning => Running is not null;

    /// <summary>The configuration file (read when the guest is not running, or when asked for).</summary>
    public string? ConfigPath { get; }
    public XenDomUConfig? Config { get; }

    /// <summary>The disks: of the running domain when it runs, else of the configuration file.</summary>
    public IReadOnlyList<GuestDisk> Disks { get; }

    /// <summary>The ZFS volumes the guest writes to, in disk order, each once.</summary>
    public IReadOnlyList<string> Volumes => Disks.Where(d => d.IsWritable && d.Volume is not null).Select(d => d.Volume!).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Writable disks that are not ZFS volumes (files, other devices).</summary>
    public IReadOnlyList<GuestDisk> OtherWritableDisks => Disks.Where(d => d.IsWritable && d.Volume is null).ToList();

    public string Describe() => IsRunning ? $"{Name} (id {Running!.Id}) on {ComputerName}" : $"{Name} (not running) on {ComputerName}";

    /// <summary>Finds a guest by its exact name: the running domain of that name, else the configuration file
    /// (<paramref name="configPath"/>, default &lt;config dir&gt;/&lt;name&gt;.cfg). With <paramref name="needConfig"/>
    /// the configuration file is read even when the guest runs (Copy-XenDomU writes a new one from it).</summary>
    public static async Task<GuestStorage> ResolveAsync(XlClient xl, string name, string? configPath, bool needConfig, CancellationToken ct)
    {
        var host = xl.Host;
        if (string.IsNullOrEmpty(name)) throw new XenException("XenInvalidDomainName", XenErrorKind.InvalidArgument, "A domain needs a name.");
        if (name == "Domain-0" || name == "0")
            throw new XenException("XenDomain0Protected", XenErrorKind.InvalidOperation, $"Domain-0 is the Dom0 itself: it has no guest disks to checkpoint or copy (on {host.ComputerName}).");

        var running = (await xl.ListAsync(ct).ConfigureAwait(false)).FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
        List<GuestDisk>? disks = null;
        if (running is not null)
        {
            var configs = await xl.ListLongAsync(ct).ConfigureAwait(false);
            var live = configs.FirstOrDefault(c => c.DomId == running.Id);
            if (live is null || !string.Equals(live.Name, name, StringComparison.Ordinal))
            {
                throw new XenException("XenDomainChanged", XenErrorKind.InvalidOperation,
                    $"The domain {name} (id {running.Id}) on '{host.ComputerName}' changed while it was being read (restarted or renamed): try again.") { ComputerName = host.ComputerName };
            }
            running.Uuid ??= live.Uuid;
            disks = live.Disks.Where(d => d.Target is { Length: > 0 }).Select(d => new GuestDisk(d.Vdev, d.Target!, !d.ReadWrite, d.IsCdrom)).ToList();
        }

        string? path = null;
        XenDomUConfig? config = null;
        if (running is null || needConfig)
        {
            XenDomainName.Validate(name);
            path = configPath ?? await XenPaths.GetDefaultConfigPathAsync(host, name, ct).ConfigureAwait(false);
            var store = new XenConfigStore(host, xl.Output);
            if (!await store.FileSystem.ExistsAsync(path, ct).ConfigureAwait(false))
            {
                throw new XenException(running is null ? "XenDomainNotFound" : "XenConfigNotFound", XenErrorKind.ObjectNotFound, running is null
                    ? $"No domain named '{name}' runs on host '{host.ComputerName}', and there is no configuration file {path} for it."
                    : $"The configuration file {path} of '{name}' does not exist on host '{host.ComputerName}' (give -ConfigPath).") { ComputerName = host.ComputerName };
            }
            config = await store.LoadAsync(path, ct).ConfigureAwait(false);
            if (config.Name is { } declared && !string.Equals(declared, name, StringComparison.Ordinal))
            {
                throw new XenException("XenConfigNameMismatch", XenErrorKind.InvalidData,
                    $"The configuration file {path} on '{host.ComputerName}' is for the domain '{declared}', not '{name}'.") { ComputerName = host.ComputerName };
            }
            disks ??= config.Disks.Where(d => d.Target is { Length: > 0 }).Select(d => new GuestDisk(d.Vdev, d.Target!, d.IsReadOnly, d.IsCdrom)).ToList();
        }
        return new GuestStorage(name, host.ComputerName, running, path, config, disks!);
    }

    /// <summary>Checks, right before a change, that the guest is still in the state it was resolved in: the same
    /// running instance (id, name and UUID) or still not running. Throws XenDomainChanged otherwise.</summary>
    public async Task EnsureUnchangedAsync(XlClient xl, CancellationToken ct)
    {
        var now = (await xl.ListAsync(ct).ConfigureAwait(false)).FirstOrDefault(d => string.Equals(d.Name, Name, StringComparison.Ordinal));
        if (Running is null && now is null) return;
        if (Running is not null && now is not null && now.Id == Running.Id)
        {
            if (Running.Uuid is null) return;
            var live = (await xl.ListLongAsync(ct).ConfigureAwait(false)).FirstOrDefault(c => c.DomId == now.Id);
            if (live?.Uuid is null || live.Uuid == Running.Uuid) return;
        }
        var was = Running is null ? "was not running" : $"was running as id {Running.Id}";
        var @is = now is null ? "is not running any more" : $"now runs as id {now.Id}";
        throw new XenException("XenDomainChanged", XenErrorKind.InvalidOperation,
            $"The domain {Name} on '{ComputerName}' {was} and {@is}: nothing was changed. Try again.") { ComputerName = ComputerName };
    }

    /// <summary>The ZFS volumes that running domains use (from xl list -l), by volume: which domain holds each.</summary>
    public static async Task<Dictionary<string, string>> VolumesInUseAsync(XlClient xl, CancellationToken ct)
    {
        var inUse = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in await xl.ListLongAsync(ct).ConfigureAwait(false))
        {
            foreach (var d in c.Disks)
            {
                if (d.Target is { } t && StorageOperations.ZfsVolumeOf(t) is { } v && !inUse.ContainsKey(v)) inUse[v] = c.Name ?? ("id " + c.DomId);
            }
        }
        return inUse;
    }
}
