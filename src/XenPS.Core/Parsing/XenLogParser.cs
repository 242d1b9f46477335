using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>
/// Reads the lines of Xen's logs into <see cref="XenLogEntry"/> objects. The formats (tools/libs/toollog
/// xtl_logger_stdio.c, xen/drivers/char/console.c, QEMU's -msg timestamp=on, xenconsoled --timestamp):
/// <list type="bullet">
/// <item>xl/libxl: <c>[DATE TIME TZ ][[PID] ]CONTEXT: LEVEL: message</c> (date and pid only with xl -T), or free text
/// such as the monitor's "Waiting for domain NAME (domid N) to die [pid P]".</item>
/// <item>QEMU: <c>[2024-01-01T12:00:00.123456Z ]qemu-system-i386: message</c>.</item>
/// <item>xl dmesg: <c>(XEN) [  123.456789] message</c> (console_timestamps=boot), <c>(XEN) [2024-01-01 12:00:00] message</c>
/// (=date/datems), or <c>(XEN) message</c>; guest output as <c>(d1) message</c>.</item>
/// <item>guest console: <c>[2024-01-01 12:00:00] </c> from xenconsoled --timestamp, kernel lines <c>[    1.234567] </c>.</item>
/// </list>
/// </summary>
public static class XenLogParser
{
    private const string Levels = "debug|verbose|detail|progress|info|notice|warning|error|critical";

    private static readonly Regex ToolLine = new(
        @"^(?:(?<date>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?<tz>Z|[ ]?[+-]\d{2}:?\d{2}|[ ][A-Z]{2,5})?\s+)?" +
        @"(?:\[(?<pid>\d+)\]\s+)?" +
        @"(?:(?<ctx>[A-Za-z][\w.+-]*):\s+(?:(?<level>" + Levels + @"):\s+)?)?" +
        @"(?<msg>.*)$",
        RegexOptions.CultureInvariant);

    private static readonly Regex HypervisorLine = new(
        @"^\((?<ctx>XEN|d\d+)\)\s?(?:\[\s*(?<up>\d+\.\d+)\]\s?|\[(?<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\]\s?)?(?<msg>.*)$",
        RegexOptions.CultureInvariant);

    private static readonly Regex ConsoleLine = new(
        @"^(?:\[(?<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\]\s?)?(?:\[\s*(?<up>\d+\.\d+)\]\s?)?(?<msg>.*)$",
        RegexOptions.CultureInvariant);

    /// <summary>Parses every line of <paramref name="text"/> (a trailing partial line included).</summary>
    public static List<XenLogEntry> Parse(string text, XenLogKind kind, string? name, string path, string computerName)
    {
        var entries = new List<XenLogEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            entries.Add(ParseLine(line, kind, name, path, computerName));
        }
        return entries;
    }

    public static XenLogEntry ParseLine(string line, XenLogKind kind, string? name, string path, string computerName)
    {
        // xl's daemon logs libxl's lines at the level it was started with: under -vvv, qemu's -spice password.
        line = Core.Execution.SecretRedactor.Redact(line);
        var entry = new XenLogEntry { ComputerName = computerName, Name = name, Kind = kind, Path = path, Line = line, Message = line };
        switch (kind)
        {
            case XenLogKind.Hypervisor:
            {
                var m = HypervisorLine.Match(line);
                if (!m.Success) break;
                entry.Context = m.Groups["ctx"].Value;
                entry.Uptime = Seconds(m.Groups["up"]);
                entry.Time = Date(m.Groups["date"].Value, null);
                entry.Message = m.Groups["msg"].Value;
                break;
            }
            case XenLogKind.Console:
            {
                var m = ConsoleLine.Match(line);
                entry.Time = Date(m.Groups["date"].Value, null);
                entry.Uptime = Seconds(m.Groups["up"]);
                entry.Message = m.Groups["msg"].Value;
                break;
            }
            default:
            {
                var m = ToolLine.Match(line);
                entry.Time = Date(m.Groups["date"].Value, m.Groups["tz"].Value.Trim());
                // "Context: message" is only taken apart when a level follows or the context looks like a program
                // (libxl, xc, qemu-system-i386...): "Domain 1 has shut down" has no colon, but "migration target:
                // Ready" must stay whole.
                var ctx = m.Groups["ctx"].Value;
                if (m.Groups["level"].Success || IsProgram(ctx))
                {
                    entry.Context = ctx;
                    entry.Level = m.Groups["level"].Success ? m.Groups["level"].Value : null;
                    entry.Message = m.Groups["msg"].Value;
                }
                else
                {
                    var start = m.Groups["ctx"].Success ? m.Groups["ctx"].Index : m.Groups["msg"].Index;
                    entry.Message = line.Substring(start);
                }
                break;
            }
        }
        return entry;
    }

    private static bool IsProgram(string context) =>
        context.Length > 0 && (context.IndexOf("qemu", StringComparison.Ordinal) >= 0 || context == "libxl" || context == "xc" || context == "xl" || context == "libxlu");

    private static TimeSpan? Seconds(Group group) =>
        group.Success && double.TryParse(group.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : null;

    private static DateTime? Date(string text, string? zone)
    {
        if (text.Length == 0) return null;
        var normal = text.Replace('T', ' ');
        if (!DateTime.TryParseExact(normal, new[] { "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return null;
        if (string.IsNullOrEmpty(zone)) return DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
        if (zone is "Z" or "UTC" or "GMT") return DateTime.SpecifyKind(time, DateTimeKind.Utc);
        var offset = Regex.Match(zone!, @"^(?<sign>[+-])(?<h>\d{2}):?(?<m>\d{2})$", RegexOptions.CultureInvariant);
        if (offset.Success)
        {
            var span = new TimeSpan(int.Parse(offset.Groups["h"].Value, CultureInfo.InvariantCulture), int.Parse(offset.Groups["m"].Value, CultureInfo.InvariantCulture), 0);
            if (offset.Groups["sign"].Value == "-") span = span.Negate();
            return DateTime.SpecifyKind(time - span, DateTimeKind.Utc);
        }
        // A zone abbreviation (CET, EDT...) cannot be resolved reliably: the host's local time as written.
        return DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
    }
}
