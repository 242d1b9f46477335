using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Parsing;
using XenPS.Core.Xl;

namespace XenPS.Core.Devices;

/// <summary>What Add-XenDomainDisk attaches: checked parts, never a spec text from the user.</summary>
public sealed class DiskAttachRequest
{
    public string Target { get; set; } = string.Empty;
    public string? Vdev { get; set; }
    public string Format { get; set; } = "raw";
    public bool ReadOnly { get; set; }
    public bool Cdrom { get; set; }

    /// <summary>The xl disk spec (target= last: it takes the rest of the text).</summary>
    public string ToSpec(string vdev) =>
        $"format={Format}, vdev={vdev}, access={(ReadOnly || Cdrom ? "ro" : "rw")}{(Cdrom ? ", devtype=cdrom" : string.Empty)}, target={Target}";
}

/// <summary>
/// Hot-plug of disks, network interfaces and CD media of running domains, with the guest's config file kept in step on
/// request (-Persist: the edited file is prepared and checked before the device is touched, then written atomically with
/// a backup; when it cannot be written, the device just attached is detached again). Every xl call gets the resolved
/// domain's id. A failed attach is cleaned up: a device that xl left behind (a failed network-attach leaves its vif) is
/// detached, and only a device that was not there before and is the one asked for.
/// </summary>
public sealed class XenDeviceOperations
{
    private static readonly string[] DiskFormats = { "raw", "qcow", "qcow2", "vhd" };

    public XenDeviceOperations(XlClient xl)
    {
        Xl = xl;
        Output = xl.Output;
        Store = new XenConfigStore(xl.Host, xl.Output);
    }

    public XlClient Xl { get; }
    public IXenOutput Output { get; }
    public XenConfigStore Store { get; }
    private IXenHost Host => Xl.Host;

    // ---------------------------------------------------------------- reading

    /// <summary>The disks of a running domain: xl block-list merged (by device number) with xl's view of its configuration.</summary>
    public async Task<List<XenDomainDisk>> GetDisksAsync(XenDomain domain, CancellationToken cancellationToken)
    {
        var listTask = Xl.BlockListAsync(domain, cancellationToken);
        var configTask = ConfigOfAsync(domain, cancellationToken);
        await Task.WhenAll(listTask, configTask).ConfigureAwait(false);
        var attached = await listTask.ConfigureAwait(false);
        var config = await configTask.ConfigureAwait(false);
        var result = new List<XenDomainDisk>();
        var configured = config?.Disks ?? new List<XenDisk>();
        foreach (var d in configured)
        {
            var devId = XenDeviceNames.DevId(d.Vdev);
            var row = attached.FirstOrDefault(b => b.DevId == devId);
            result.Add(Disk(domain, d.Vdev, devId, d.Target, d.Format, d.ReadWrite, d.IsCdrom, d.BackendType, row, inConfig: true));
        }
        foreach (var row in attached.Where(b => configured.All(d => XenDeviceNames.DevId(d.Vdev) != b.DevId)))
        {
            result.Add(Disk(domain, XenDeviceNames.XvdName(row.DevId), row.DevId, null, null, true, false, null, row, inConfig: false, known: false));
        }
        return result.OrderBy(d => d.DevId ?? int.MaxValue).ToList();
    }

    private XenDomainDisk Disk(XenDomain domain, string? vdev, int? devId, string? target, string? format, bool readWrite, bool cdrom, string? backend, XlBlockDevice? row, bool inConfig, bool known = true) => new()
    {
        ComputerName = Host.ComputerName,
        Name = domain.Name,
        DomainId = domain.Id,
        Vdev = vdev,
        DevId = devId,
        Target = target,
        Format = format,
        Access = !known ? null : readWrite ? "rw" : "ro",
        IsCdrom = cdrom,
        BackendType = backend ?? (row?.BackendKind == "vbd" ? "phy" : row?.BackendKind),
        State = row?.State,
        BackendDomainId = row?.BackendDomainId,
        BackendPath = row?.BackendPath,
        IsAttached = row is not null,
        InConfig = inConfig,
    };

    /// <summary>The disks of a stopped guest, from its config file.</summary>
    public static List<XenDomainDisk> DisksOf(XenDomUConfig config, string name, string computerName) =>
        config.Disks.Select(d => new XenDomainDisk
        {
            ComputerName = computerName,
            Name = name,
            Vdev = d.Vdev,
            DevId = XenDeviceNames.DevId(d.Vdev),
            Target = string.IsNullOrEmpty(d.Target) ? null : d.Target,
            Format = d.EffectiveFormat,
            Access = d.IsReadOnly ? "ro" : "rw",
            IsCdrom = d.IsCdrom,
            BackendType = d.BackendType,
            InConfig = true,
        }).ToList();

    /// <summary>The network interfaces of a running domain: xl network-list merged (by index) with its configuration.</summary>
    public async Task<List<XenNetworkAdapter>> GetNetworkAdaptersAsync(XenDomain domain, CancellationToken cancellationToken)
    {
        var listTask = Xl.NetworkListAsync(domain, cancellationToken);
        var configTask = ConfigOfAsync(domain, cancellationToken);
        await Task.WhenAll(listTask, configTask).ConfigureAwait(false);
        var attached = await listTask.ConfigureAwait(false);
        var nics = (await configTask.ConfigureAwait(false))?.Nics ?? new List<XenNic>();
        var result = new List<XenNetworkAdapter>();
        for (var i = 0; i < nics.Count; i++)
        {
            var nic = nics[i];
            var devId = nic.DevId ?? i;
            var row = attached.FirstOrDefault(r => r.DevId == devId);
            result.Add(Adapter(domain, devId, nic.Mac ?? row?.Mac, nic.Bridge, nic.VifName, nic.Model, nic.Ip, row, true));
        }
        foreach (var row in attached.Where(r => result.All(a => a.DevId != r.DevId)))
        {
            result.Add(Adapter(domain, row.DevId, row.Mac, null, null, null, Array.Empty<string>(), row, false));
        }
        return result.OrderBy(a => a.DevId).ToList();
    }

    private XenNetworkAdapter Adapter(XenDomain domain, int devId, string? mac, string? bridge, string? vifName, string? model, IReadOnlyList<string> ip, XlNetworkDevice? row, bool inConfig) => new()
    {
        ComputerName = Host.ComputerName,
        Name = domain.Name,
        DomainId = domain.Id,
        DevId = devId,
        MacAddress = mac?.ToLowerInvariant(),
        Bridge = bridge,
        VifName = vifName ?? (row is not null ? $"vif{domain.Id}.{devId}" : null),
        Model = model,
        IpAddress = ip,
        State = row?.State,
        BackendDomainId = row?.BackendDomainId,
        BackendPath = row?.BackendPath,
        IsAttached = row is not null,
        InConfig = inConfig,
    };

    /// <summary>The network interfaces of a stopped guest, from its config file.</summary>
    public static List<XenNetworkAdapter> AdaptersOf(XenDomUConfig config, string name, string computerName) =>
        config.Vifs.Select((v, i) => new XenNetworkAdapter
        {
            ComputerName = computerName,
            Name = name,
            DevId = v.DevId ?? i,
            MacAddress = v.Mac?.ToLowerInvariant(),
            Bridge = v.Bridge,
            Model = v.Model,
            VifName = v.VifName,
            IpAddress = XenNic.SplitIp(v.Ip),
            InConfig = true,
        }).ToList();

    /// <summary>xl's view of the domain's configuration (xl list -l, this domain's entry), or null.</summary>
    public async Task<XlDomainConfig?> ConfigOfAsync(XenDomain domain, CancellationToken cancellationToken)
    {
        try
        {
            return (await Xl.ListLongAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.DomId == domain.Id);
        }
        catch (XenCommandException ex)
        {
            Output.WriteDebug($"xl list -l failed ({ex.Message.Split('\n')[0]}): the devices are shown without their configuration.");
            return null;
        }
    }

    // ---------------------------------------------------------------- checks on the host

    /// <summary>Throws XenPathNotFound unless <paramref name="path"/> exists on the host (a file or a device).</summary>
    public async Task RequireExistsAsync(string path, string what, CancellationToken cancellationToken)
    {
        var script = ShellScript.Of($"if [ -e {path} ]; then exit 0; else exit 1; fi");
        var result = await Host.RunScriptAsync(script, new HostRunOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 1)
        {
            throw new XenException("XenPathNotFound", XenErrorKind.ObjectNotFound, $"The {what} '{path}' does not exist on host '{Host.ComputerName}'. Nothing was changed.") { ComputerName = Host.ComputerName };
        }
        if (result.ExitCode != 0) throw new XenException("XenHostCheckFailed", XenErrorKind.ConnectionError, $"Could not check '{path}' on host '{Host.ComputerName}': {result.StandardError.Trim()}") { ComputerName = Host.ComputerName };
    }

    /// <summary>Throws XenBridgeNotFound unless the host has this network interface (Linux: /sys/class/net; FreeBSD: ifconfig).</summary>
    public async Task RequireBridgeAsync(string bridge, CancellationToken cancellationToken)
    {
        var script = ShellScript.Of($"if [ -d /sys/class/net ]; then [ -e /sys/class/net/{bridge} ] && exit 0; exit 1; fi")
            .Line($"ifconfig -- {bridge} >/dev/null 2>&1 && exit 0; exit 1");
        var result = await Host.RunScriptAsync(script, new HostRunOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 1)
        {
            throw new XenException("XenBridgeNotFound", XenErrorKind.ObjectNotFound,
                $"Host '{Host.ComputerName}' has no network interface '{bridge}': create the bridge first (Initialize-XenDom0 -Bridge). Nothing was changed.") { ComputerName = Host.ComputerName };
        }
        if (result.ExitCode != 0) throw new XenException("XenHostCheckFailed", XenErrorKind.ConnectionError, $"Could not check the bridge '{bridge}' on host '{Host.ComputerName}': {result.StandardError.Trim()}") { ComputerName = Host.ComputerName };
    }

    // ---------------------------------------------------------------- persistence

    /// <summary>The guest's config file, edited in memory (nothing written): throws before anything changes when it
    /// cannot be read or the edit cannot be made.</summary>
    public async Task<(XenDomUConfig Config, IReadOnlyList<string> Changes)> PrepareConfigAsync(XenDomain domain, Func<XenDomUConfig, IReadOnlyList<string>> edit, CancellationToken cancellationToken)
    {
        var path = await XenPaths.GetDefaultConfigPathAsync(Host, domain.Name, cancellationToken).ConfigureAwait(false);
        var config = await Store.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        var changes = edit(config);
        var errors = config.Validate().Where(p => p.Severity == XenConfigProblemSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new XenException("XenConfigInvalid", XenErrorKind.InvalidArgument, $"After this change {path} would not be valid: {string.Join("; ", errors)}. Nothing was changed.");
        }
        return (config, changes);
    }

    private async Task SaveAsync(XenDomUConfig config, IReadOnlyList<string> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            Output.WriteVerbose($"{config.Path} on {Host.ComputerName} already has this: not written.");
            return;
        }
        var written = await Store.SaveAsync(config, backup: true, cancellationToken).ConfigureAwait(false);
        Output.WriteVerbose($"Updated {config.Path} on {Host.ComputerName} ({string.Join("; ", changes)}); the old file is {written.BackupPath}.");
    }

    // ---------------------------------------------------------------- disks

    /// <summary>The vdev a new disk gets: the first xvd (hd for HVM without PV drivers is the caller's choice) not used by the
    /// domain (attached or configured).</summary>
    public static string NextVdev(IEnumerable<int?> usedDevIds)
    {
        var used = new HashSet<int>(usedDevIds.Where(d => d.HasValue).Select(d => d!.Value));
        for (var disk = 1; disk < 702; disk++)
        {
            var vdev = "xvd" + XenDeviceNames.Letters(disk);
            if (!used.Contains(XenDeviceNames.DevId(vdev)!.Value)) return vdev;
        }
        throw new XenException("XenNoFreeVdev", XenErrorKind.LimitsExceeded, "The domain has no free xvd device name.");
    }

    /// <summary>Checks a disk attach fully (names, format, target on the host, vdev free, the config edit) without
    /// changing anything; returns the vdev it will use.</summary>
    public async Task<string> CheckAttachDiskAsync(XenDomain domain, DiskAttachRequest request, CancellationToken cancellationToken)
    {
        XenDeviceNames.ValidateHostPath(request.Target, "disk target");
        if (!DiskFormats.Contains(request.Format)) throw new XenException("XenInvalidDiskFormat", XenErrorKind.InvalidArgument, $"'{request.Format}' is not a disk format xl knows (raw, qcow, qcow2, vhd).");
        if (request.Vdev is not null) XenDeviceNames.ValidateVdev(request.Vdev);
        await RequireExistsAsync(request.Target, "disk target", cancellationToken).ConfigureAwait(false);
        var disks = await GetDisksAsync(domain, cancellationToken).ConfigureAwait(false);
        var vdev = request.Vdev ?? NextVdev(disks.Select(d => d.DevId));
        var devId = XenDeviceNames.DevId(vdev);
        if (disks.FirstOrDefault(d => d.DevId == devId && d.IsAttached) is { } taken)
        {
            throw new XenException("XenVdevInUse", XenErrorKind.ResourceExists,
                $"{XenDomainName.Display(domain.Name)} already has a disk {vdev} ({taken.Target ?? "attached"}). Give another -Vdev. Nothing was changed.") { ComputerName = Host.ComputerName };
        }
        return vdev;
    }

    /// <summary>Attaches a disk (xl block-attach) and returns it as block-list shows it afterwards.</summary>
    public async Task<XenDomainDisk> AttachDiskAsync(XenDomain domain, DiskAttachRequest request, string vdev, bool persist, CancellationToken cancellationToken)
    {
        var spec = request.ToSpec(vdev);
        var devId = XenDeviceNames.DevId(vdev)!.Value;
        (XenDomUConfig Config, IReadOnlyList<string> Changes)? edited = null;
        if (persist)
        {
            edited = await PrepareConfigAsync(domain, c =>
            {
                if (c.Disks.Any(d => XenDeviceNames.DevId(d.Vdev) == devId)) throw new XenException("XenVdevInUse", XenErrorKind.ResourceExists, $"{c.Path} already has a disk {vdev}. Nothing was changed.");
                c.AddDisk(spec);
                return new[] { $"disk {vdev}: added ({request.Target})" };
            }, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await Xl.BlockAttachAsync(domain, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XenException or OperationCanceledException)
        {
            // also on Ctrl+C: xl killed after libxl wrote the new vbd leaves it half attached
            await CleanUpDiskAsync(domain, devId, vdev).ConfigureAwait(false);
            throw;
        }
        if (edited is { } e)
        {
            try
            {
                await SaveAsync(e.Config, e.Changes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is XenException)
            {
                Output.WriteWarning($"The disk {vdev} was attached, but {e.Config.Path} could not be written: detaching it again.");
                await Xl.BlockDetachAsync(domain, devId, CancellationToken.None, check: false).ConfigureAwait(false);
                throw;
            }
        }
        return (await GetDisksAsync(domain, cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.DevId == devId)
            ?? throw new XenException("XenDiskNotAttached", XenErrorKind.InvalidResult, $"xl block-attach succeeded, but xl block-list does not show {vdev}.");
    }

    /// <summary>After a failed block-attach: detaches the device xl may have left at this number (it was free before).</summary>
    private async Task CleanUpDiskAsync(XenDomain domain, int devId, string vdev)
    {
        try
        {
            var left = await Xl.BlockListAsync(domain, CancellationToken.None).ConfigureAwait(false);
            if (left.All(b => b.DevId != devId)) return;
            Output.WriteWarning($"xl block-attach failed but left {vdev} behind: detaching it.");
            await Xl.BlockDetachAsync(domain, devId, CancellationToken.None, check: false).ConfigureAwait(false);
        }
        catch (XenException ex)
        {
            Output.WriteWarning($"Could not check for a leftover {vdev} after the failed attach: {ex.Message}");
        }
    }

    /// <summary>Checks a detach (the disk is attached) and returns the disk.</summary>
    public async Task<XenDomainDisk> CheckDetachDiskAsync(XenDomain domain, string vdev, CancellationToken cancellationToken)
    {
        XenDeviceNames.ValidateVdev(vdev);
        var devId = XenDeviceNames.DevId(vdev);
        var disks = await GetDisksAsync(domain, cancellationToken).ConfigureAwait(false);
        return disks.FirstOrDefault(d => d.DevId == devId && d.IsAttached)
            ?? throw new XenException("XenDiskNotFound", XenErrorKind.ObjectNotFound,
                $"{XenDomainName.Display(domain.Name)} (id {domain.Id}) has no disk {vdev} attached (it has: {string.Join(", ", disks.Where(d => d.IsAttached).Select(d => d.Vdev)).DefaultIfEmpty()}). Nothing was changed.") { ComputerName = Host.ComputerName };
    }

    /// <summary>Detaches a disk (xl block-detach, by device number); with <paramref name="persist"/> also from the config file.</summary>
    public async Task DetachDiskAsync(XenDomain domain, XenDomainDisk disk, bool persist, CancellationToken cancellationToken)
    {
        (XenDomUConfig Config, IReadOnlyList<string> Changes)? edited = null;
        if (persist)
        {
            edited = await PrepareConfigAsync(domain, c =>
            {
                var matches = c.Disks.Where(d => XenDeviceNames.DevId(d.Vdev) == disk.DevId).OrderByDescending(d => d.Index).ToList();
                foreach (var m in matches) c.RemoveDiskAt(m.Index);
                return matches.Count == 0 ? Array.Empty<string>() : new[] { $"disk {disk.Vdev}: removed" };
            }, cancellationToken).ConfigureAwait(false);
        }
        await Xl.BlockDetachAsync(domain, disk.DevId!.Value, cancellationToken).ConfigureAwait(false);
        if (edited is { } e) await SaveAsync(e.Config, e.Changes, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- network

    /// <summary>Checks a network attach (MAC and bridge names, the bridge exists, the MAC is not on this domain yet).</summary>
    public async Task CheckAttachNetworkAsync(XenDomain domain, string mac, string? bridge, CancellationToken cancellationToken)
    {
        XenDeviceNames.ValidateMac(mac);
        if (bridge is not null)
        {
            XenDeviceNames.ValidateBridge(bridge);
            await RequireBridgeAsync(bridge, cancellationToken).ConfigureAwait(false);
        }
        var nics = await Xl.NetworkListAsync(domain, cancellationToken).ConfigureAwait(false);
        if (nics.Any(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase)))
        {
            throw new XenException("XenMacInUse", XenErrorKind.ResourceExists, $"{XenDomainName.Display(domain.Name)} already has a network interface with MAC {mac}. Nothing was changed.") { ComputerName = Host.ComputerName };
        }
    }

    /// <summary>Attaches a network interface (xl network-attach). When xl fails, the vif it left (xl leaves it: a failed
    /// vif-bridge hotplug keeps the new index in network-list) is detached: only an index that was not there before and
    /// carries this MAC.</summary>
    public async Task<XenNetworkAdapter> AttachNetworkAsync(XenDomain domain, string mac, string? bridge, bool persist, CancellationToken cancellationToken)
    {
        var before = new HashSet<int>((await Xl.NetworkListAsync(domain, cancellationToken).ConfigureAwait(false)).Select(n => n.DevId));
        (XenDomUConfig Config, IReadOnlyList<string> Changes)? edited = null;
        var spec = "mac=" + mac + (bridge is null ? string.Empty : ",bridge=" + bridge);
        if (persist)
        {
            edited = await PrepareConfigAsync(domain, c =>
            {
                if (c.Vifs.Any(v => string.Equals(v.Mac, mac, StringComparison.OrdinalIgnoreCase))) throw new XenException("XenMacInUse", XenErrorKind.ResourceExists, $"{c.Path} already has a network interface with MAC {mac}. Nothing was changed.");
                c.AddVif(spec);
                return new[] { $"vif added ({spec})" };
            }, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await Xl.NetworkAttachAsync(domain, mac, bridge, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XenException or OperationCanceledException)
        {
            await CleanUpNetworkAsync(domain, mac, before).ConfigureAwait(false);
            throw;
        }
        var after = await Xl.NetworkListAsync(domain, cancellationToken).ConfigureAwait(false);
        var created = after.FirstOrDefault(n => !before.Contains(n.DevId) && string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
        if (edited is { } e)
        {
            try
            {
                await SaveAsync(e.Config, e.Changes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is XenException)
            {
                Output.WriteWarning($"The network interface {mac} was attached, but {e.Config.Path} could not be written: detaching it again.");
                await CleanUpNetworkAsync(domain, mac, before).ConfigureAwait(false);
                throw;
            }
        }
        var adapters = await GetNetworkAdaptersAsync(domain, cancellationToken).ConfigureAwait(false);
        var adapter = adapters.FirstOrDefault(a => created is not null && a.DevId == created.DevId)
            ?? adapters.FirstOrDefault(a => string.Equals(a.MacAddress, mac, StringComparison.OrdinalIgnoreCase))
            ?? throw new XenException("XenNicNotAttached", XenErrorKind.InvalidResult, $"xl network-attach succeeded, but xl network-list does not show {mac}.");
        adapter.Bridge ??= bridge;
        return adapter;
    }

    private async Task CleanUpNetworkAsync(XenDomain domain, string mac, HashSet<int> before)
    {
        try
        {
            var left = (await Xl.NetworkListAsync(domain, CancellationToken.None).ConfigureAwait(false))
                .Where(n => !before.Contains(n.DevId) && string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var n in left)
            {
                Output.WriteWarning($"xl left the network interface {mac} (index {n.DevId}) behind: detaching it.");
                await Xl.NetworkDetachAsync(domain, n.DevId, CancellationToken.None, check: false).ConfigureAwait(false);
            }
        }
        catch (XenException ex)
        {
            Output.WriteWarning($"Could not check for a leftover network interface {mac}: {ex.Message}");
        }
    }

    /// <summary>The attached network interface with this MAC or index (throws XenNicNotFound).</summary>
    public async Task<XenNetworkAdapter> FindAdapterAsync(XenDomain domain, string? mac, int? devId, CancellationToken cancellationToken)
    {
        if (mac is not null) mac = XenDeviceNames.ValidateMac(mac);
        var adapters = await GetNetworkAdaptersAsync(domain, cancellationToken).ConfigureAwait(false);
        return adapters.FirstOrDefault(a => a.IsAttached && (mac is null || string.Equals(a.MacAddress, mac, StringComparison.OrdinalIgnoreCase)) && (devId is null || a.DevId == devId))
            ?? throw new XenException("XenNicNotFound", XenErrorKind.ObjectNotFound,
                $"{XenDomainName.Display(domain.Name)} (id {domain.Id}) has no network interface {(mac ?? "with index " + devId)} attached (it has: {string.Join(", ", adapters.Where(a => a.IsAttached).Select(a => $"{a.DevId} {a.MacAddress}"))}). Nothing was changed.") { ComputerName = Host.ComputerName };
    }

    public async Task DetachNetworkAsync(XenDomain domain, XenNetworkAdapter adapter, bool persist, CancellationToken cancellationToken)
    {
        (XenDomUConfig Config, IReadOnlyList<string> Changes)? edited = null;
        if (persist)
        {
            edited = await PrepareConfigAsync(domain, c =>
            {
                var matches = c.Vifs.Where(v => string.Equals(v.Mac, adapter.MacAddress, StringComparison.OrdinalIgnoreCase)).OrderByDescending(v => v.Index).ToList();
                foreach (var m in matches) c.RemoveVifAt(m.Index);
                return matches.Count == 0 ? Array.Empty<string>() : new[] { $"vif {adapter.MacAddress}: removed" };
            }, cancellationToken).ConfigureAwait(false);
        }
        await Xl.NetworkDetachAsync(domain, adapter.DevId!.Value, cancellationToken).ConfigureAwait(false);
        if (edited is { } e) await SaveAsync(e.Config, e.Changes, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- CD media

    /// <summary>Checks a cd-insert / cd-eject: the domain is HVM, has the cdrom drive (the first one when no vdev is
    /// given), and the ISO exists. Returns the drive's vdev.</summary>
    public async Task<string> CheckDvdAsync(XenDomain domain, string? vdev, string? isoPath, CancellationToken cancellationToken)
    {
        if (vdev is not null) XenDeviceNames.ValidateVdev(vdev);
        if (isoPath is not null) XenDeviceNames.ValidateHostPath(isoPath, "ISO image");
        var config = await ConfigOfAsync(domain, cancellationToken).ConfigureAwait(false)
            ?? throw new XenException("XenDomainNotFound", XenErrorKind.ObjectNotFound, $"xl list -l has no configuration for {XenDomainName.Display(domain.Name)} (id {domain.Id}).");
        if (config.Type != XenDomainType.HVM)
        {
            throw new XenException("XenDvdRequiresHvm", XenErrorKind.InvalidOperation,
                $"{XenDomainName.Display(domain.Name)} is a {config.Type} guest: xl cd-insert and cd-eject work on HVM guests only (for PV, use Add-/Remove-XenDomainDisk). Nothing was changed.") { ComputerName = Host.ComputerName };
        }
        var drives = config.Disks.Where(d => d.IsCdrom).ToList();
        var drive = vdev is null ? drives.FirstOrDefault() : drives.FirstOrDefault(d => d.Vdev == vdev);
        if (drive?.Vdev is null)
        {
            throw new XenException("XenDvdDriveNotFound", XenErrorKind.ObjectNotFound,
                $"{XenDomainName.Display(domain.Name)} has no CD-ROM drive{(vdev is null ? string.Empty : " " + vdev)} (its CD-ROM drives: {string.Join(", ", drives.Select(d => d.Vdev)).DefaultIfEmpty()}). A drive is added in its config (devtype=cdrom) and takes effect at the next start. Nothing was changed.") { ComputerName = Host.ComputerName };
        }
        if (isoPath is not null) await RequireExistsAsync(isoPath, "ISO image", cancellationToken).ConfigureAwait(false);
        return drive.Vdev;
    }

    /// <summary>Inserts (<paramref name="isoPath"/>) or ejects (null) the medium of a CD-ROM drive; with
    /// <paramref name="persist"/> the config file's drive gets the same medium.</summary>
    public async Task SetDvdAsync(XenDomain domain, string vdev, string? isoPath, bool persist, CancellationToken cancellationToken)
    {
        (XenDomUConfig Config, IReadOnlyList<string> Changes)? edited = null;
        if (persist)
        {
            edited = await PrepareConfigAsync(domain, c =>
            {
                var disk = c.Disks.FirstOrDefault(d => d.Vdev == vdev && d.IsCdrom)
                    ?? throw new XenException("XenDvdDriveNotFound", XenErrorKind.ObjectNotFound, $"{c.Path} has no CD-ROM drive {vdev}. Nothing was changed.");
                var was = disk.Target;
                if (string.Equals(was ?? string.Empty, isoPath ?? string.Empty, StringComparison.Ordinal)) return Array.Empty<string>();
                var changed = XenDiskSpec.Parse(disk.ToSpec());
                changed.Target = isoPath;
                changed.Format = isoPath is null ? "empty" : "raw";
                c.SetDisk(disk.Index, changed);
                return new[] { $"cdrom {vdev}: {(string.IsNullOrEmpty(was) ? "(empty)" : was)} -> {isoPath ?? "(empty)"}" };
            }, cancellationToken).ConfigureAwait(false);
        }
        if (isoPath is null) await Xl.CdEjectAsync(domain, vdev, cancellationToken).ConfigureAwait(false);
        else await Xl.CdInsertAsync(domain, vdev, isoPath, cancellationToken).ConfigureAwait(false);
        if (edited is { } e) await SaveAsync(e.Config, e.Changes, cancellationToken).ConfigureAwait(false);
    }
}

internal static class JoinExtensions
{
    /// <summary>"none" for an empty list text.</summary>
    public static string DefaultIfEmpty(this string text) => text.Length == 0 ? "none" : text;
}
