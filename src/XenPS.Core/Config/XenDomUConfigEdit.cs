using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using XenPS.Core.Execution;

namespace XenPS.Core.Config;

/// <summary>A set of changes to a guest config, applied in one go (what Set-XenDomUConfig does). Every change keeps
/// the rest of the file as it was: comments, order, quoting.</summary>
public sealed class XenDomUConfigEdit
{
    public long? MemoryMB { get; set; }
    public long? MaxMemoryMB { get; set; }
    public int? VCpus { get; set; }
    public int? MaxVCpus { get; set; }
    public IList<string> AddDisks { get; } = new List<string>();
    public IList<string> RemoveDisks { get; } = new List<string>();
    public IList<string> AddVifs { get; } = new List<string>();
    public IList<string> RemoveVifs { get; } = new List<string>();

    /// <summary>Remove every cdrom disk (the install ISO) and the "d" of an HVM boot order: the Handbook's
    /// "remove the cdrom line after installing".</summary>
    public bool RemoveInstallMedia { get; set; }

    /// <summary>The VNC password to set (vncpasswd; empty removes it). Never shown: the change reads
    /// "vncpasswd: ******** -> ********".</summary>
    public string? VncPassword { get; set; }

    /// <summary>Any other keys: a value sets the key, null removes it.</summary>
    public IDictionary<string, object?> Settings { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Applies the changes and returns a line per change; throws before writing anything when a change cannot
    /// be made (unknown vdev or MAC, bad spec) or leaves a config xl would refuse.</summary>
    public IReadOnlyList<string> Apply(XenDomUConfig config)
    {
        var changes = new List<string>();
        if (VncPassword is not null)
        {
            var had = config.HasVncPassword;
            if (VncPassword.Length == 0)
            {
                if (config.Contains("vncpasswd")) { config.SetVncPassword(null); changes.Add("vncpasswd: removed"); }
            }
            else
            {
                if (VncPassword.Length > 8 || VncPassword.Any(c => char.IsControl(c) || c == '"' || c == '\\'))
                    throw Invalid("A VNC password has 1 to 8 characters (the VNC protocol's limit), without quotes, backslashes or control characters.");
                config.SetVncPassword(VncPassword);
                changes.Add($"vncpasswd: {(had ? SecretRedactor.Mask : "(unset)")} -> {SecretRedactor.Mask}");
            }
        }
        void Set<T>(string what, T? current, T? wanted, Action<T?> set) where T : struct
        {
            if (wanted is null || Equals(current, wanted)) return;
            set(wanted);
            changes.Add($"{what}: {current?.ToString() ?? "(unset)"} -> {wanted}");
        }

        Set("memory", config.MemoryMB, MemoryMB, v => config.MemoryMB = v);
        Set("maxmem", config.MaxMemoryMB, MaxMemoryMB, v => config.MaxMemoryMB = v);
        Set("vcpus", config.VCpus, VCpus, v => config.VCpus = v);
        Set("maxvcpus", config.MaxVCpus, MaxVCpus, v => config.MaxVCpus = v);

        foreach (var vdev in RemoveDisks)
        {
            if (!config.RemoveDisk(vdev)) throw Invalid($"The configuration has no disk with vdev '{vdev}' (it has: {string.Join(", ", config.Disks.Select(d => d.Vdev))}).");
            changes.Add($"disk {vdev}: removed");
        }
        if (RemoveInstallMedia)
        {
            var cdroms = config.Disks.Where(d => d.IsCdrom).OrderByDescending(d => d.Index).ToList();
            foreach (var cd in cdroms)
            {
                config.RemoveDiskAt(cd.Index);
                changes.Add($"install media {cd.Target} ({cd.Vdev}): removed");
            }
            if (config.Boot is { } boot && boot.IndexOf('d') >= 0)
            {
                var newBoot = boot.Replace("d", string.Empty);
                config.Boot = newBoot.Length == 0 ? "c" : newBoot;
                changes.Add($"boot: {boot} -> {config.Boot}");
            }
        }
        foreach (var spec in AddDisks)
        {
            var disk = XenDiskSpec.Parse(spec);
            if (disk.Vdev is not null && config.Disks.Any(d => d.Vdev == disk.Vdev)) throw Invalid($"The configuration already has a disk with vdev '{disk.Vdev}'.");
            config.AddDisk(disk);
            changes.Add($"disk {disk.Vdev}: added ({disk.Target})");
        }
        foreach (var mac in RemoveVifs)
        {
            var matches = config.Vifs.Where(v => string.Equals(v.Mac, mac, StringComparison.OrdinalIgnoreCase)).OrderByDescending(v => v.Index).ToList();
            if (matches.Count == 0) throw Invalid($"The configuration has no network interface with MAC address '{mac}'.");
            foreach (var vif in matches) config.RemoveVifAt(vif.Index);
            changes.Add($"vif {mac}: removed");
        }
        foreach (var spec in AddVifs)
        {
            var vif = XenVifSpec.Parse(spec);
            var problems = vif.GetProblems();
            if (problems.Count > 0) throw Invalid($"The network interface '{spec}' is not valid: {string.Join("; ", problems)}");
            config.AddVif(vif);
            changes.Add($"vif added ({vif})");
        }
        foreach (var pair in Settings)
        {
            var before = config.Get(pair.Key);
            var value = Unwrap(pair.Value);
            if (value is null)
            {
                if (config.Remove(pair.Key)) changes.Add($"{pair.Key}: removed");
                continue;
            }
            config.Set(pair.Key, value);
            changes.Add(SecretRedactor.IsSecretConfigKey(pair.Key)
                ? $"{pair.Key}: {(before is null ? "(unset)" : SecretRedactor.Mask)} -> {SecretRedactor.Mask}"
                : SecretRedactor.Redact($"{pair.Key}: {Describe(before)} -> {Describe(config.Get(pair.Key))}", config.SecretValues));
        }

        var errors = config.Validate().Where(p => p.Severity == XenConfigProblemSeverity.Error).ToList();
        if (errors.Count > 0) throw Invalid("After these changes the configuration would not be valid: " + string.Join("; ", errors));
        return changes;
    }

    private static object? Unwrap(object? value) => value switch
    {
        null => null,
        string s => s,
        IEnumerable e => e.Cast<object?>().Select(Unwrap).ToList(),
        _ => value,
    };

    private static string Describe(object? value) => value switch
    {
        null => "(unset)",
        string s => s,
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Describe)) + "]",
        _ => value.ToString() ?? string.Empty,
    };

    private static XenException Invalid(string message) => new("XenConfigInvalid", XenErrorKind.InvalidArgument, message);
}
