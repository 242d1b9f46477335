using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>
/// Parses `xl uptime`: "Name ID Uptime" rows whose uptime is "H:MM:SS", "1 day, H:MM:SS" or "N days, H:MM:SS"
/// (xl omits the days part when it is 0), and the short form of `xl uptime -s`: " HH:MM:SS up &lt;uptime&gt;, &lt;name&gt; (&lt;id&gt;)",
/// whose uptime has no seconds ("%2d:%02d", "1 day, %2d:%02d", "%d days, %2d:%02d": xl_info.c uptime_to_string).
/// </summary>
public static class XlUptimeParser
{
    private const string Duration = @"(?:(?<days>\d+)\s+days?,\s+)?(?<h>\d+):(?<m>\d{2}):(?<s>\d{2})";
    private const string ShortDuration = @"(?:(?<days>\d+)\s+days?,\s+)?(?<h>\d+):(?<m>\d{2})(?::(?<s>\d{2}))?";
    private static readonly Regex Row = new(@"^(?<name>.+?)\s+(?<id>\d+)\s+" + Duration + @"\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex ShortRow = new(@"^\s*\d+:\d{2}:\d{2}\s+up\s+" + ShortDuration + @",\s+(?<name>.+?)\s+\((?<id>\d+)\)\s*$", RegexOptions.CultureInvariant);

    public static List<XenDomainUptime> Parse(string output, string computerName = "localhost")
    {
        var list = new List<XenDomainUptime>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith("Name ", StringComparison.Ordinal)) continue;
            var m = ShortRow.Match(line);
            if (!m.Success) m = Row.Match(line);
            if (!m.Success) continue;
            var days = m.Groups["days"].Success ? int.Parse(m.Groups["days"].Value, CultureInfo.InvariantCulture) : 0;
            list.Add(new XenDomainUptime
            {
                ComputerName = computerName,
                Name = m.Groups["name"].Value.Trim(),
                Id = int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture),
                Uptime = new TimeSpan(days, int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture), m.Groups["s"].Success ? int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) : 0),
            });
        }
        return list;
    }
}
