using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.Storage;

/// <summary>One row of `zfs list -H -p`: a volume, file system or snapshot, with the properties XenPS reads.</summary>
public sealed class ZfsDataset
{
    public string Name { get; set; } = string.Empty;

    /// <summary>volume, filesystem, snapshot or bookmark.</summary>
    public string? Type { get; set; }

    public long? UsedBytes { get; set; }

    public long? ReferencedBytes { get; set; }

    /// <summary>creation (seconds since the epoch with -p).</summary>
    public DateTimeOffset? Creation { get; set; }

    /// <summary>The transaction group the dataset was created in: orders snapshots exactly (creation has whole seconds).</summary>
    public long? CreateTxg { get; set; }

    /// <summary>The snapshot a clone was made from (null when it is no clone).</summary>
    public string? Origin { get; set; }

    /// <summary>The clones made from a snapshot.</summary>
    public IReadOnlyList<string> Clones { get; set; } = Array.Empty<string>();

    public long? VolumeSizeBytes { get; set; }

    public string? VolumeMode { get; set; }

    /// <summary>Every column as printed ("-" kept as null), user properties (module:property) included.</summary>
    public IReadOnlyDictionary<string, string?> Properties { get; set; } = new Dictionary<string, string?>();

    /// <summary>The dataset part of a snapshot name (before '@'), or the name itself.</summary>
    public string DatasetName => Name.IndexOf('@') is var at && at >= 0 ? Name.Substring(0, at) : Name;

    /// <summary>The snapshot part of a snapshot name (after '@'), or null.</summary>
    public string? SnapshotName => Name.IndexOf('@') is var at && at >= 0 ? Name.Substring(at + 1) : null;

    public override string ToString() => Name;
}

/// <summary>
/// Reads `zfs list -H -p -o COLUMNS` (and `zfs get -H -p -o name,property,value`): -H prints no header and separates
/// the columns by one tab, -p prints exact numbers (bytes, seconds since the epoch); "-" is a value that does not apply.
/// The format is the same in OpenZFS on FreeBSD and Linux (zfs-list(8)).
/// </summary>
public static class ZfsListParser
{
    /// <summary>Parses the output of `zfs list -H -p -o <paramref name="columns"/>`.</summary>
    /// <exception cref="FormatException">A line does not have one value per column, or a number is not a number.</exception>
    public static List<ZfsDataset> Parse(string output, IReadOnlyList<string> columns)
    {
        if (columns.Count == 0 || !columns.Contains("name")) throw new ArgumentException("The columns must include name.", nameof(columns));
        var result = new List<ZfsDataset>();
        foreach (var raw in (output ?? string.Empty).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            var values = line.Split('\t');
            if (values.Length != columns.Count)
                throw new FormatException($"zfs list printed {values.Length} columns where {columns.Count} were asked for ({string.Join(",", columns)}): '{line}'.");
            var props = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++) props[columns[i]] = values[i] == "-" ? null : values[i];
            result.Add(FromProperties(props));
        }
        return result;
    }

    /// <summary>Parses `zfs get -H -p -o name,property,value PROPS NAMES`: one dataset per name, in the order seen.</summary>
    public static List<ZfsDataset> ParseGet(string output)
    {
        var byName = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var raw in (output ?? string.Empty).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            var values = line.Split('\t');
            if (values.Length != 3) throw new FormatException($"zfs get printed {values.Length} columns where 3 (name, property, value) were asked for: '{line}'.");
            if (!byName.TryGetValue(values[0], out var props))
            {
                byName[values[0]] = props = new Dictionary<string, string?>(StringComparer.Ordinal) { ["name"] = values[0] };
                order.Add(values[0]);
            }
            props[values[1]] = values[2] == "-" ? null : values[2];
        }
        return order.Select(n => FromProperties(byName[n])).ToList();
    }

    private static ZfsDataset FromProperties(Dictionary<string, string?> p) => new()
    {
        Name = p["name"] ?? throw new FormatException("A zfs list line has no name."),
        Type = Get(p, "type"),
        UsedBytes = Number(p, "used"),
        ReferencedBytes = Number(p, "referenced") ?? Number(p, "refer"),
        Creation = Number(p, "creation") is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
        CreateTxg = Number(p, "createtxg"),
        Origin = Get(p, "origin"),
        Clones = Get(p, "clones") is { Length: > 0 } clones ? clones.Split(',').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray() : Array.Empty<string>(),
        VolumeSizeBytes = Number(p, "volsize"),
        VolumeMode = Get(p, "volmode"),
        Properties = p,
    };

    private static string? Get(Dictionary<string, string?> p, string key) => p.TryGetValue(key, out var v) ? v : null;

    private static long? Number(Dictionary<string, string?> p, string key)
    {
        var v = Get(p, key);
        if (v is null) return null;
        if (long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw new FormatException($"zfs printed '{v}' for {key}, not a number (was -p given?).");
    }
}
