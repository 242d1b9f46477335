using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>
/// Parses `xl vcpu-list`: "Name ID VCPU CPU State Time(s) Affinity (Hard / Soft)". The CPU column is "-" for an
/// offline vCPU, whose state is "--p"; affinities are "all", ranges ("12-19") or lists. Rows are split from the right
/// of the name like xl list's, so long names and wide times parse.
/// </summary>
public static class XlVcpuListParser
{
    private static readonly Regex Row = new(
        @"^(?<name>.+?)\s+(?<id>\d+)\s+(?<vcpu>\d+)\s+(?<cpu>\d+|-)\s+(?<state>[r-][b-][p-])\s+(?<time>\d+(?:\.\d+)?)(?:\s+(?<aff>.*))?$",
        RegexOptions.CultureInvariant);

    public static List<XenVCpu> Parse(string output, string computerName = "localhost")
    {
        var list = new List<XenVCpu>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ');
            if (line.Length == 0 || (line.StartsWith("Name", StringComparison.Ordinal) && line.IndexOf("VCPU", StringComparison.Ordinal) > 0)) continue;
            var m = Row.Match(line);
            if (!m.Success) continue;
            var state = m.Groups["state"].Value;
            var flags = XenVCpuState.None;
            if (state[0] == 'r') flags |= XenVCpuState.Running;
            if (state[1] == 'b') flags |= XenVCpuState.Blocked;
            if (state[2] == 'p') flags |= XenVCpuState.Offline;
            var affinity = m.Groups["aff"].Success ? m.Groups["aff"].Value.Trim() : string.Empty;
            var slash = affinity.IndexOf(" / ", StringComparison.Ordinal);
            list.Add(new XenVCpu
            {
                ComputerName = computerName,
                Name = m.Groups["name"].Value.Trim(),
                Id = int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture),
                VCpu = int.Parse(m.Groups["vcpu"].Value, CultureInfo.InvariantCulture),
                Cpu = m.Groups["cpu"].Value == "-" ? null : int.Parse(m.Groups["cpu"].Value, CultureInfo.InvariantCulture),
                StateText = state,
                State = flags,
                CpuTime = TimeSpan.FromTicks((long)Math.Round(double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond)),
                HardAffinity = slash >= 0 ? affinity.Substring(0, slash).Trim() : affinity,
                SoftAffinity = slash >= 0 ? affinity.Substring(slash + 3).Trim() : "all",
            });
        }
        return list;
    }
}
