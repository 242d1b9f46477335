using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Storage;
using XenPS.Core.Xl;

namespace XenPS.Core.Provisioning;

/// <summary>What Copy-XenDomU is asked to make.</summary>
public sealed class CopyDomURequest
{
    public string SourceName { get; set; } = string.Empty;

    /// <summary>The source's configuration file (default &lt;config dir&gt;/&lt;name&gt;.cfg).</summary>
    public string? SourceConfigPath { get; set; }

    public string NewName { get; set; } = string.Empty;

    /// <summary>Copy the disks as they were at this checkpoint (the source may then run); else the source must be stopped.</summary>
    public string? Checkpoint { get; set; }

    /// <summary>zfs send | zfs receive: an independent copy instead of a clone that depends on the source's snapshot.</summary>
    public bool Full { get; set; }
}

/// <summary>One ZFS volume of the source and the volume made from it.</summary>
public sealed class VolumeCopy
{
    internal VolumeCopy(string source, string target, string? volumeMode)
    {
        Source = source;
        Target = target;
        VolumeMode = volumeMode;
    }

    public string Source { get; }
    public string Target { get; }

    /// <summary>The source's volmode, given to the copy (a clone or a received stream does not keep a local volmode).</summary>
    public string? VolumeMode { get; }
}

/// <summary>A checked plan of Copy-XenDomU: every step, the new configuration, nothing done yet.</summary>
public sealed class DomUCopyPlan
{
    internal DomUCopyPlan(CopyDomURequest request, GuestStorage source, XenDomUConfig config, string configPath, string snapshotName, bool takesSnapshot, string token)
    {
        Request = request;
        Source = source;
        Config = config;
        ConfigPath = configPath;
        SnapshotName = snapshotName;
        TakesSnapshot = takesSnapshot;
        Token = token;
    }

    public CopyDomURequest Request { get; }
    public GuestStorage Source { get; }

    /// <summary>The new guest's configuration (new name, new MACs, no UUID, the new volumes).</summary>
    public XenDomUConfig Config { get; internal set; }
    public string ConfigPath { get; }

    /// <summary>The snapshot the copies are made from: the checkpoint, or copy-&lt;new name&gt; taken by the copy.</summary>
    public string SnapshotName { get; }
    public bool TakesSnapshot { get; }

    /// <summary>Stamped (<see cref="ZfsClient.CopyTokenProperty"/>) on what this copy creates, so that its undo never
    /// destroys anything else.</summary>
    public string Token { get; }

    public List<VolumeCopy> Volumes { get; } = new();
    public List<string> Steps { get; } = new();
    public List<string> Warnings { get; } = new();

    public string Describe()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Steps.Count; i++) sb.Append(i + 1).Append(". ").Append(Steps[i]).Append('\n');
        sb.Append("Configuration ").Append(ConfigPath).Append(":\n").Append(Config.ToString());
        return sb.ToString();
    }
}

/// <summary>
/// Makes a new guest from a stopped guest or from a checkpoint: a ZFS clone (or, with Full, a zfs send | zfs receive
/// copy) of each of its volumes, and a configuration with the new name, new MAC addresses and no UUID, written
/// atomically. The undo of each step is registered before the step runs, and undoes only what carries this copy's
/// token: a failure or Ctrl+C leaves the host as it was.
/// </summary>
public sealed class XenDomUCopier
{
    private static readonly Regex MacAnywhere = new(@"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}(?![0-9A-Fa-f:])", RegexOptions.CultureInvariant);

    private readonly XlClient _xl;
    private readonly ZfsClient _zfs;
    private readonly HostFileSystem _fs;
    private readonly IXenOutput _output;

    public XenDomUCopier(XlClient xl)
    {
        _xl = xl;
        _output = xl.Output;
        _zfs = new ZfsClient(xl.Host, xl.Output);
        _fs = new HostFileSystem(xl.Host, xl.Output);
    }

    private string HostName => _xl.Host.ComputerName;

    /// <summary>The volume made for <paramref name="source"/>: a level named like the source guest is renamed
    /// (zroot/vm/web/disk0 -> zroot/vm/web2/disk0), else a leaf that begins with the source's name followed by - _ . or :
    /// gets the new name instead (zroot/web-disk0 -> zroot/web2-disk0), else the new name is appended
    /// (zroot/xendisk0 -> zroot/xendisk0-web2).</summary>
    public static string DeriveVolumeName(string source, string sourceName, string newName)
    {
        var parts = source.Split('/');
        for (var i = parts.Length - 1; i >= 1; i--)
        {
            if (parts[i] != sourceName) continue;
            parts[i] = newName;
            return string.Join("/", parts);
        }
        var leaf = parts[parts.Length - 1];
        if (leaf.Length > sourceName.Length && leaf.StartsWith(sourceName, StringComparison.Ordinal) && "-_.:".IndexOf(leaf[sourceName.Length]) >= 0)
            parts[parts.Length - 1] = newName + leaf.Substring(sourceName.Length);
        else
            parts[parts.Length - 1] = leaf + "-" + newName;
        return string.Join("/", parts);
    }

    /// <summary>Checks everything against the host and builds the plan. Changes nothing.</summary>
    public async Task<DomUCopyPlan> PlanAsync(CopyDomURequest r, CancellationToken ct)
    {
        XenDomainName.Validate(r.NewName);
        if (!ZfsClient.IsValidSnapshotName(r.NewName))
        {
            throw new XenException("XenInvalidDomainName", XenErrorKind.InvalidArgument,
                $"'{r.NewName}' cannot name the copy's ZFS volumes: a name for Copy-XenDomU uses letters, digits and _ . : - only.");
        }
        if (string.Equals(r.NewName, r.SourceName, StringComparison.OrdinalIgnoreCase))
            throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, $"-NewName '{r.NewName}' is the name of the source itself.");
        if (r.Checkpoint is not null) CheckpointOperations.ValidateName(r.Checkpoint);

        var source = await GuestStorage.ResolveAsync(_xl, r.SourceName, r.SourceConfigPath, needConfig: true, ct).ConfigureAwait(false);
        var config = source.Config!;
        if (r.Checkpoint is null && source.IsRunning)
        {
            throw new XenException("XenDomainRunning", XenErrorKind.InvalidOperation,
                $"{source.Describe()} is running: copy a stopped guest, or copy it from a checkpoint (Checkpoint-XenDomain {r.SourceName}, then -Checkpoint). Nothing was changed.")
            { ComputerName = HostName };
        }

        // The volumes of the configuration file: that is what the copy's configuration is made from.
        var disks = config.Disks.Where(d => d.Target is { Length: > 0 }).Select(d => new GuestDisk(d.Vdev, d.Target!, d.IsReadOnly, d.IsCdrom)).ToList();
        var others = disks.Where(d => d.IsWritable && d.Volume is null).ToList();
        if (others.Count > 0)
        {
            throw new XenException("XenCopyUnsupportedDisk", XenErrorKind.InvalidOperation,
                $"Copy-XenDomU copies ZFS volumes only; {r.SourceName} writes to {string.Join(", ", others.Select(d => $"{d.Vdev ?? "?"} ({d.Target})"))}. Nothing was changed.")
            { ComputerName = HostName };
        }
        var volumes = disks.Where(d => d.IsWritable).Select(d => d.Volume!).Distinct(StringComparer.Ordinal).ToList();
        if (volumes.Count == 0)
            throw new XenException("XenCheckpointNoZfsDisk", XenErrorKind.InvalidOperation, $"{source.Describe()} has no writable disk on a ZFS volume: there is nothing to copy.") { ComputerName = HostName };

        // Facts from the host: the new name free, the config file free, the source volumes and their snapshots.
        var domains = await _xl.ListAsync(ct).ConfigureAwait(false);
        if (domains.Any(d => string.Equals(d.Name, r.NewName, StringComparison.Ordinal)))
            throw new XenException("XenDomainExists", XenErrorKind.ResourceExists, $"A domain named '{r.NewName}' already runs on host '{HostName}'.") { ComputerName = HostName };
        var configDir = await XenPaths.GetConfigDirectoryAsync(_xl.Host, ct).ConfigureAwait(false);
        var configPath = configDir + "/" + r.NewName + ".cfg";
        if (await _fs.ExistsAsync(configPath, ct).ConfigureAwait(false))
            throw new XenException("XenConfigExists", XenErrorKind.ResourceExists, $"The configuration file {configPath} already exists on host '{HostName}'.") { ComputerName = HostName };

        var snapshotName = r.Checkpoint ?? "copy-" + r.NewName;
        var (sources, missing) = await _zfs.ListAsync(volumes, snapshotsOf: false, ct).ConfigureAwait(false);
        if (missing.Count > 0)
            throw new XenException("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound, $"The ZFS volume(s) {string.Join(", ", missing)} of {r.SourceName} do not exist on '{HostName}'.") { ComputerName = HostName };
        var (snapshots, _) = await _zfs.ListAsync(volumes, snapshotsOf: true, ct).ConfigureAwait(false);
        var have = volumes.Where(v => snapshots.Any(s => s.Name == ZfsClient.Snapshot(v, snapshotName))).ToList();
        if (r.Checkpoint is not null && have.Count < volumes.Count)
        {
            throw new XenException(have.Count == 0 ? "XenCheckpointNotFound" : "XenCheckpointIncomplete", have.Count == 0 ? XenErrorKind.ObjectNotFound : XenErrorKind.InvalidOperation,
                have.Count == 0
                    ? $"{r.SourceName} on '{HostName}' has no checkpoint '{r.Checkpoint}' (Get-XenDomainCheckpoint {r.SourceName} lists them)."
                    : $"The checkpoint '{r.Checkpoint}' of {r.SourceName} does not cover {string.Join(", ", volumes.Except(have))}. Nothing was changed.")
            { ComputerName = HostName };
        }
        if (r.Checkpoint is null && have.Count > 0)
        {
            throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                $"The snapshot{(have.Count == 1 ? "" : "s")} {string.Join(", ", have.Select(v => ZfsClient.Snapshot(v, snapshotName)))} that the copy would take already exist{(have.Count == 1 ? "s" : "")} (left by an earlier copy named '{r.NewName}'?): copy from it with -Checkpoint {snapshotName}, or remove it (Remove-XenDomainCheckpoint {r.SourceName} {snapshotName}).")
            { ComputerName = HostName };
        }

        var token = Guid.NewGuid().ToString("N");
        var plan = new DomUCopyPlan(r, source, XenDomUConfig.Parse(string.Empty, configPath), configPath, snapshotName, r.Checkpoint is null, token);
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in volumes)
        {
            var target = DeriveVolumeName(v, r.SourceName, r.NewName);
            if (!ZfsClient.IsValidDatasetName(target) || !targets.Add(target))
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, $"The copy of {v} would be named '{target}', which is not a usable ZFS volume name here.");
            plan.Volumes.Add(new VolumeCopy(v, target, sources.FirstOrDefault(s => s.Name == v)?.VolumeMode));
        }
        var (existing, _) = await _zfs.ListAsync(plan.Volumes.Select(c => c.Target).ToList(), snapshotsOf: false, ct).ConfigureAwait(false);
        if (existing.Count > 0)
            throw new XenException("XenDiskExists", XenErrorKind.ResourceExists, $"The ZFS dataset{(existing.Count == 1 ? "" : "s")} {string.Join(", ", existing.Select(e => e.Name))} already exist{(existing.Count == 1 ? "s" : "")} on host '{HostName}'.") { ComputerName = HostName };
        var parents = plan.Volumes.Select(c => c.Target.Substring(0, c.Target.LastIndexOf('/'))).Distinct(StringComparer.Ordinal).ToList();
        var (_, parentsMissing) = await _zfs.ListAsync(parents, snapshotsOf: false, ct).ConfigureAwait(false);
        if (parentsMissing.Count > 0)
        {
            throw new XenException("XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound,
                $"The copy's volumes would go in {string.Join(", ", parentsMissing)}, which do{(parentsMissing.Count == 1 ? "es" : "")} not exist on '{HostName}': create {(parentsMissing.Count == 1 ? "it" : "them")} first (zfs create {parentsMissing[0]}).")
            { ComputerName = HostName };
        }

        // The new configuration: new name, no UUID (xl makes one), the new volumes, a new MAC for every interface.
        var copy = XenDomUConfig.Parse(config.ToFileText(), configPath);
        copy.Path = configPath;
        copy.ComputerName = HostName;
        copy.Name = r.NewName;
        copy.Remove("uuid");
        foreach (var disk in copy.Disks)
        {
            var volume = disk.Target is { } t ? StorageOperations.ZfsVolumeOf(t) : null;
            var mapped = volume is null || disk.IsReadOnly ? null : plan.Volumes.FirstOrDefault(c => c.Source == volume);
            if (mapped is null) continue;
            disk.Target = StorageOperations.ZvolDevicePath(mapped.Target);
            copy.SetDisk(disk.Index, disk);
        }
        var used = await UsedMacsAsync(configDir, ct).ConfigureAwait(false);
        var macs = new List<string>();
        foreach (var vif in copy.Vifs)
        {
            var mac = NewMac(used);
            used.Add(mac);
            macs.Add(mac);
            vif.Mac = mac;
            if (vif.VifName is { } fixedName) plan.Warnings.Add($"The interface {vif.Index} of {r.SourceName} has the fixed name vifname={fixedName}: the copy has it too, and the two cannot run at the same time until one is changed (Set-XenDomUConfig).");
            copy.SetVif(vif.Index, vif);
        }
        plan.Config = copy;
        if (copy.VncDisplay is { } display) plan.Warnings.Add($"{r.SourceName} has the fixed VNC display {display}: the copy has it too, and the two cannot run at the same time until one is changed (Set-XenDomUConfig).");

        // The steps, as -WhatIf shows them.
        var from = plan.Volumes.Select(c => ZfsClient.Snapshot(c.Source, snapshotName)).ToList();
        if (plan.TakesSnapshot)
            plan.Steps.Add($"Snapshot the disks of the stopped {r.SourceName} in one transaction: zfs snapshot -o {ZfsClient.CopyTokenProperty}={token} {string.Join(" ", from)}");
        foreach (var c in plan.Volumes)
        {
            var snap = ZfsClient.Snapshot(c.Source, snapshotName);
            var props = string.Join(" ", PropertiesOf(c, token).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => "-o " + p.Key + "=" + p.Value));
            plan.Steps.Add(r.Full
                ? $"Copy {snap} to the new, independent volume {c.Target}: zfs send {snap} | zfs receive {props} {c.Target}"
                : $"Clone {snap} as {c.Target} (it depends on that snapshot while it exists): zfs clone {props} {snap} {c.Target}");
        }
        if (r.Full)
        {
            var leftovers = plan.Volumes.Select(c => ZfsClient.Snapshot(c.Target, snapshotName)).Concat(plan.TakesSnapshot ? from : Enumerable.Empty<string>());
            plan.Steps.Add($"Destroy the snapshots the copy needed no more: {string.Join(", ", leftovers)}");
        }
        plan.Steps.Add($"Write the configuration file {configPath} (name {r.NewName}, {(macs.Count == 0 ? "no network interface" : "MAC " + string.Join(", ", macs))}, no UUID){(copy.SecretValues.Count == 0 ? "" : " (mode 0600: it holds a password)")}");
        return plan;
    }

    private static Dictionary<string, string> PropertiesOf(VolumeCopy c, string token)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal) { [ZfsClient.CopyTokenProperty] = token };
        if (c.VolumeMode is { Length: > 0 } mode) props["volmode"] = mode;
        return props;
    }

    /// <summary>Carries out a plan; on failure (Ctrl+C included) undoes every step begun, newest first, and throws one
    /// error naming the step that failed and what was rolled back.</summary>
    public async Task<XenDomUConfig> ExecuteAsync(DomUCopyPlan plan, CancellationToken ct)
    {
        var r = plan.Request;
        var undo = new Stack<(string What, Func<Task<bool>> Action)>();
        var step = string.Empty;
        var stepIndex = 0;
        try
        {
            var from = plan.Volumes.Select(c => ZfsClient.Snapshot(c.Source, plan.SnapshotName)).ToList();
            if (plan.TakesSnapshot)
            {
                step = plan.Steps[stepIndex++];
                await plan.Source.EnsureUnchangedAsync(_xl, ct).ConfigureAwait(false);
                foreach (var s in from) undo.Push(($"destroyed the snapshot {s}", () => _zfs.DestroyIfOwnedAsync(s, plan.Token, recursive: false, CancellationToken.None)));
                await _zfs.SnapshotAsync(from, new Dictionary<string, string> { [ZfsClient.CopyTokenProperty] = plan.Token }, ct).ConfigureAwait(false);
            }
            foreach (var c in plan.Volumes)
            {
                step = plan.Steps[stepIndex++];
                var snap = ZfsClient.Snapshot(c.Source, plan.SnapshotName);
                undo.Push(($"destroyed the volume {c.Target}", () => _zfs.DestroyIfOwnedAsync(c.Target, plan.Token, recursive: r.Full, CancellationToken.None)));
                if (r.Full) await _zfs.SendReceiveAsync(snap, c.Target, PropertiesOf(c, plan.Token), TimeSpan.FromHours(12), ct).ConfigureAwait(false);
                else await _zfs.CloneAsync(snap, c.Target, PropertiesOf(c, plan.Token), ct).ConfigureAwait(false);
                await _zfs.WaitForDeviceAsync(c.Target, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            }

            if (r.Full) stepIndex++;   // the clean-up of the snapshots comes after the configuration is written
            step = plan.Steps[stepIndex];
            if (await _fs.ExistsAsync(plan.ConfigPath, ct).ConfigureAwait(false))
                throw new XenException("XenConfigExists", XenErrorKind.ResourceExists, $"The configuration file {plan.ConfigPath} appeared on host '{HostName}' while the copy ran.") { ComputerName = HostName };
            var text = plan.Config.ToFileText();
            undo.Push(($"deleted {plan.ConfigPath}", () => DeleteIfOursAsync(plan.ConfigPath, text)));
            await new XenConfigStore(_xl.Host, _output).SaveAsync(plan.Config, backup: false, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var undone = new List<string>();
            var failedUndo = new List<string>();
            while (undo.Count > 0)
            {
                var (what, action) = undo.Pop();
                try
                {
                    if (await action().ConfigureAwait(false)) undone.Add(what);
                }
                catch (Exception undoError)
                {
                    failedUndo.Add($"could not undo ({what}): {(undoError as XenException)?.Summary ?? undoError.Message}");
                }
            }
            var rolledBack = undone.Count == 0 ? "Nothing had been created." : "Rolled back: " + string.Join(", ", undone) + ".";
            if (failedUndo.Count > 0) rolledBack += " " + string.Join(" ", failedUndo);
            var inner = ex as XenException;
            var message = $"Could not copy '{r.SourceName}' to '{r.NewName}' on host '{HostName}': the step '{step}' failed: {inner?.Summary ?? ex.Message} {rolledBack}";
            if (ex is OperationCanceledException) throw new OperationCanceledException(message, ex, ct);
            throw new XenException(inner?.ErrorId ?? "XenDomUCopyFailed", inner?.Kind ?? XenErrorKind.NotSpecified, message, ex) { ComputerName = HostName };
        }

        if (r.Full)
        {
            // The copy is complete: the snapshots it was made through are not needed. A failure here leaves only a snapshot.
            var leftovers = plan.Volumes.Select(c => ZfsClient.Snapshot(c.Target, plan.SnapshotName))
                .Concat(plan.TakesSnapshot ? plan.Volumes.Select(c => ZfsClient.Snapshot(c.Source, plan.SnapshotName)) : Enumerable.Empty<string>());
            foreach (var s in leftovers)
            {
                try
                {
                    await _zfs.DestroyIfOwnedAsync(s, plan.Token, recursive: false, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    _output.WriteWarning($"The copy {r.NewName} is complete, but the snapshot {s} could not be destroyed: {(ex as XenException)?.Summary ?? ex.Message}");
                }
            }
        }
        return plan.Config;
    }

    private async Task<bool> DeleteIfOursAsync(string path, string text)
    {
        var now = await _fs.ReadFileAsync(path, CancellationToken.None).ConfigureAwait(false);
        if (now is null) return false;
        if (now != text)
        {
            _output.WriteVerbose($"Leaving {path}: it is not the file this copy wrote.");
            return false;
        }
        return await _fs.DeleteFileAsync(path, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Every MAC address written in the host's configuration files or used by a running domain.</summary>
    private async Task<HashSet<string>> UsedMacsAsync(string configDir, CancellationToken ct)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var script = ShellScript.Of($"[ -d {configDir} ] || exit 0")
            .Line($"for f in {configDir}/*.cfg {configDir}/auto/*.cfg; do [ -f \"$f\" ] && cat -- \"$f\"; done")
            .Line($"exit 0");
        var result = await _xl.Host.RunScriptAsync(script, new HostRunOptions { OnCommandLine = l => _output.WriteDebug("Running: " + l) }, ct).ConfigureAwait(false);
        foreach (Match m in MacAnywhere.Matches(result.StandardOutput)) used.Add(m.Value.ToLowerInvariant());
        foreach (var c in await _xl.ListLongAsync(ct).ConfigureAwait(false))
        {
            foreach (var n in c.Nics) if (n.Mac is { } mac) used.Add(mac.ToLowerInvariant());
        }
        return used;
    }

    /// <summary>A random MAC in Xen's 00:16:3e range that is not in <paramref name="used"/>.</summary>
    internal static string NewMac(ISet<string> used)
    {
        var bytes = new byte[3];
        using var rng = System.Security.Cryptography.RandomNumberGenerator.Create();
        while (true)
        {
            rng.GetBytes(bytes);
            bytes[0] &= 0x7f; // 00:16:3e:00-7f is what libxl itself hands out
            var mac = string.Format(CultureInfo.InvariantCulture, "00:16:3e:{0:x2}:{1:x2}:{2:x2}", bytes[0], bytes[1], bytes[2]);
            if (!used.Contains(mac)) return mac;
        }
    }
}
