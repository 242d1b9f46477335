using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.Parsing;

/// <summary>One row of xl block-list: "Vdev BE handle state evt-ch ring-ref BE-path".</summary>
public sealed record XlBlockDevice(int DevId, int BackendDomainId, int Handle, XenDeviceState State, int EventChannel, string RingRef, string BackendPath)
{
    /// <summary>The backend type as the backend path names it: vbd (phy, blkback), qdisk (QEMU), vbd3 (tapdisk).</summary>
    public string? BackendKind => BackendSegment(BackendPath);

    internal static string? BackendSegment(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.IndexOf(parts, "backend");
        return i >= 0 && i + 1 < parts.Length ? parts[i + 1] : null;
    }
}

/// <summary>One row of xl network-list: "Idx BE Mac Addr. handle state evt-ch tx-/rx-ring-ref BE-path".</summary>
public sealed record XlNetworkDevice(int DevId, int BackendDomainId, string Mac, int Handle, XenDeviceState State, int EventChannel, string RingRefs, string BackendPath);

/// <summary>Parses the tables of xl block-list and xl network-list (one domain each; xl prints the header once and
/// then one row per device). Rows that do not have the expected columns are skipped.</summary>
public static class XlDeviceListParser
{
    public static List<XlBlockDevice> ParseBlockList(string output)
    {
        var result = new List<XlBlockDevice>();
        foreach (var line in Lines(output))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 7 || !Int(f[0], out var devId) || !Int(f[1], out var be) || !Int(f[2], out var handle) || !Int(f[3], out var state)) continue;
            Int(f[4], out var evtch);
            result.Add(new XlBlockDevice(devId, be, handle, State(state), evtch, f[5], f[6]));
        }
        return result;
    }

    public static List<XlNetworkDevice> ParseNetworkList(string output)
    {
        var result = new List<XlNetworkDevice>();
        foreach (var line in Lines(output))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8 || !Int(f[0], out var idx) || !Int(f[1], out var be) || !Int(f[3], out var handle) || !Int(f[4], out var state)) continue;
            Int(f[5], out var evtch);
            result.Add(new XlNetworkDevice(idx, be, f[2].ToLowerInvariant(), handle, State(state), evtch, f[6], f[7]));
        }
        return result;
    }

    /// <summary>A xenbus state number as its name (an unknown number is Unknown).</summary>
    public static XenDeviceState State(int value) => value is >= 0 and <= 8 ? (XenDeviceState)value : XenDeviceState.Unknown;

    private static IEnumerable<string> Lines(string output) =>
        output.Replace("\r", string.Empty).Split('\n').Where(l => l.Trim().Length > 0);

    private static bool Int(string text, out int value) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}

/// <summary>Parses xl sched-credit2 / xl sched-credit: "Name ID Weight Cap" rows (cpupool lines and headers skipped).</summary>
public static class XlSchedParser
{
    public static List<XenSchedulerParameters> Parse(string output, string scheduler)
    {
        var result = new List<XenSchedulerParameters>();
        foreach (var raw in output.Replace("\r", string.Empty).Split('\n'))
        {
            var f = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4) continue;
            // from the right: Cap, Weight, ID; the name is the rest (the name column is padded, names may hold spaces)
            if (!int.TryParse(f[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var cap) ||
                !int.TryParse(f[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) ||
                !int.TryParse(f[^3], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            var name = string.Join(" ", f.Take(f.Length - 3));
            result.Add(new XenSchedulerParameters { Name = name, Id = id, Weight = weight, Cap = cap, Scheduler = scheduler });
        }
        // Every domain prints one line: an id on two lines (a domain name holding a line break can print a forged line
        // for another id) belongs to neither for sure.
        var twice = result.GroupBy(p => p.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        result.RemoveAll(p => twice.Contains(p.Id));
        return result;
    }
}
