using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.Parsing;

/// <summary>
/// Parses xentop -b (batch mode). Each sample is a header line ("NAME STATE CPU(sec) CPU(%) MEM(k) ...") followed by one
/// row per domain. The first sample of a run has no CPU percentage (xentop has nothing to compare with), so callers run
/// xentop -b -i 2 and keep the last sample (<see cref="ParseLastSample"/>). Rows are read from the right: the name
/// column is right-aligned and may be wider than its 10 characters, MAXMEM(k) may be the two words "no limit".
/// </summary>
public static class XentopParser
{
    /// <summary>Every sample of the output, in order.</summary>
    public static List<List<XenDomainStatistic>> ParseSamples(string output, string computerName)
    {
        var samples = new List<List<XenDomainStatistic>>();
        List<XenDomainStatistic>? current = null;
        foreach (var raw in output.Replace("\r", string.Empty).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Trim().Length == 0) continue;
            if (IsHeader(line))
            {
                current = new List<XenDomainStatistic>();
                samples.Add(current);
                continue;
            }
            if (current is null) continue;
            var row = ParseRow(line, computerName);
            if (row is not null) current.Add(row);
        }
        // A row is known by its name only: a name that two rows carry (a domain name holding a line break can print a
        // whole forged row for another name) belongs to neither for sure, so both are left out.
        foreach (var sample in samples)
        {
            var twice = sample.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            sample.RemoveAll(s => twice.Contains(s.Name));
        }
        return samples;
    }

    /// <summary>The last sample (empty when there is none).</summary>
    public static List<XenDomainStatistic> ParseLastSample(string output, string computerName) =>
        ParseSamples(output, computerName).LastOrDefault() ?? new List<XenDomainStatistic>();

    private static bool IsHeader(string line) =>
        line.Contains("NAME", StringComparison.Ordinal) && line.Contains("STATE", StringComparison.Ordinal) && line.Contains("CPU(sec)", StringComparison.Ordinal);

    /// <summary>One domain row, or null when it does not have xentop's columns.</summary>
    public static XenDomainStatistic? ParseRow(string line, string computerName)
    {
        var t = new List<string>(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        string Pop()
        {
            var v = t[^1];
            t.RemoveAt(t.Count - 1);
            return v;
        }
        if (t.Count < 19) return null;
        try
        {
            var s = new XenDomainStatistic { ComputerName = computerName };
            Pop(); // SSID
            s.VbdWriteSectors = Long(Pop());
            s.VbdReadSectors = Long(Pop());
            s.VbdWrites = Long(Pop());
            s.VbdReads = Long(Pop());
            s.VbdOutOfRequests = Long(Pop());
            s.Vbds = (int)Long(Pop());
            s.NetRxKB = Long(Pop());
            s.NetTxKB = Long(Pop());
            s.Nets = (int)Long(Pop());
            s.VCpus = (int)Long(Pop());
            var maxPercent = Pop();
            s.MaxMemoryPercent = maxPercent == "n/a" ? null : Double(maxPercent);
            var max = Pop();
            if (max == "limit" && t.Count > 0 && t[^1] == "no")
            {
                Pop();
                s.MaxMemoryKB = null;
            }
            else
            {
                s.MaxMemoryKB = Long(max);
            }
            s.MemoryPercent = Double(Pop());
            s.MemoryKB = Long(Pop());
            s.CpuPercent = Double(Pop());
            s.CpuSeconds = Long(Pop());
            if (t.Count < 2) return null;
            s.State = Pop();
            s.Name = string.Join(" ", t);
            return s;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static long Long(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException(text);

    private static double Double(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException(text);
}
