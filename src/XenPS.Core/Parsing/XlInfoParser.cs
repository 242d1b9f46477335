using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>
/// Parses `xl info`: "%-23s: %s" key/value lines. Values may be empty (xen_changeset) or end in spaces (xen_caps) and
/// may hold colons (hw_caps, platform_params). `xl info -n` adds tables (cpu_topology, "device topology", numa_info) whose
/// lines are kept, unparsed, as the value of the key that opens them. Unknown keys are kept too.
/// </summary>
public static class XlInfoParser
{
    // A key line: lowercase key, padding, then ':' — xl pads keys to 23 characters, so a table header like "cpu:    core"
    // (no space before the colon, short key) is not a key line. One key has a space: `xl info -n` opens its device table
    // with "device topology        :".
    private static readonly Regex KeyLine = new(@"^(?<key>[a-z][a-z0-9_]*(?: [a-z][a-z0-9_]*)*)(?:\s+|(?<=^[a-z0-9_]{22,})):(?: (?<value>.*)|(?<value>))$", RegexOptions.CultureInvariant);

    public static Dictionary<string, string> ParseMap(string output)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        string? lastKey = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var m = KeyLine.Match(line);
            if (m.Success)
            {
                lastKey = m.Groups["key"].Value;
                map[lastKey] = m.Groups["value"].Value.TrimEnd();
            }
            else if (lastKey is not null)
            {
                map[lastKey] = map[lastKey].Length == 0 ? line.TrimEnd() : map[lastKey] + "\n" + line.TrimEnd();
            }
        }
        return map;
    }

    public static XenHost Parse(string output, string computerName = "localhost")
    {
        var map = ParseMap(output);
        string? Get(string key) => map.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

        var version = Get("xen_version");
        if (version is null && Get("xen_major") is { } major && Get("xen_minor") is { } minor)
            version = major + "." + minor + (Get("xen_extra") ?? string.Empty);

        return new XenHost
        {
            ComputerName = computerName,
            HostName = Get("host"),
            Release = Get("release"),
            KernelVersion = Get("version"),
            Machine = Get("machine"),
            XenVersion = version,
            NrCpus = ParseInt(Get("nr_cpus")),
            CpuMHz = double.TryParse(Get("cpu_mhz"), NumberStyles.Float, CultureInfo.InvariantCulture, out var mhz) ? mhz : null,
            TotalMemoryMB = ParseLong(Get("total_memory")),
            FreeMemoryMB = ParseLong(Get("free_memory")),
            VirtCaps = new XenVirtCaps((Get("virt_caps") ?? string.Empty).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)),
            Scheduler = Get("xen_scheduler"),
            XenCommandLine = Get("xen_commandline"),
            XenCaps = Get("xen_caps"),
            Info = map,
        };
    }

    private static int? ParseInt(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? ParseLong(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
