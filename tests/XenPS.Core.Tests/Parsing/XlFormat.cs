using System.Globalization;

namespace XenPS.Core.Tests.Parsing;

/// <summary>
/// SYNTHETIC output builders: C# equivalents of the printf formats of tools/xl (xl_info.c, xl_vcpu.c), so that edge
/// cases no lab capture shows (long names, wide times, every shutdown letter, -v columns...) are shaped byte for byte
/// like real xl output. <see cref="XlListParserCaptureTests"/> checks these builders against the real captures.
/// </summary>
internal static class XlFormat
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>xl list header: printf("Name ... ID   Mem VCPUs\tState\tTime(s)") with real TABs.</summary>
    public const string ListHeader = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

    /// <summary>What `xl list -v` appends to the header.</summary>
    public const string ListVerboseHeader = "   UUID                            Reason-Code\tSecurity Label";

    /// <summary>"%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f".</summary>
    public static string ListRow(string name, int id, long memMiB, int vcpus, string state, double seconds) =>
        string.Format(C, "{0,-40} {1,5} {2,5} {3,5}     {4}  {5,8:F1}", name, id, memMiB, vcpus, state, seconds);

    /// <summary>xl list -v tail: " %s" uuid, then " %8x" shutdown reason or " %8s" "-", then " %16s" the security label.</summary>
    public static string ListVerboseTail(Guid uuid, int? shutdownReason, string label = "-") =>
        string.Format(C, " {0} {1,8} {2,16}", uuid.ToString("D"), shutdownReason is { } r ? r.ToString("x", C) : "-", label);

    /// <summary>vcpu-list header "%-32s %5s %5s %5s %5s %9s %s".</summary>
    public static readonly string VcpuHeader =
        string.Format(C, "{0,-32} {1,5} {2,5} {3,5} {4,5} {5,9} {6}", "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "Affinity (Hard / Soft)");

    /// <summary>
    /// One vcpu-list row: "%-32s %5u %5u", then "%5u %3c%c- " (online) or "%5c %3c%cp " with '-' (offline), then
    /// "%9.1f  ", then the hard affinity, " / " and the soft affinity (Xen before 4.5: only one affinity).
    /// </summary>
    public static string VcpuRow(string name, int id, int vcpu, int? cpu, bool running, bool blocked, double seconds, string hard, string? soft)
    {
        var head = string.Format(C, "{0,-32} {1,5} {2,5}", name, id, vcpu);
        var cpuState = cpu is { } c
            ? string.Format(C, "{0,5} {1,3}{2}- ", c, running ? 'r' : '-', blocked ? 'b' : '-')
            : string.Format(C, "{0,5} {1,3}{2}p ", '-', '-', '-');
        var time = string.Format(C, "{0,9:F1}  ", seconds);
        return head + cpuState + time + hard + (soft is null ? string.Empty : " / " + soft);
    }

    /// <summary>uptime header "%-33s %4s %s".</summary>
    public static readonly string UptimeHeader = string.Format(C, "{0,-33} {1,4} {2}", "Name", "ID", "Uptime");

    /// <summary>uptime row "%-33s %4d %s".</summary>
    public static string UptimeRow(string name, int id, TimeSpan uptime) =>
        string.Format(C, "{0,-33} {1,4} {2}", name, id, Uptime(uptime, shortMode: false));

    /// <summary>uptime -s row " %s up %s, %s (%d)" (now as HH:MM:SS).</summary>
    public static string UptimeShortRow(string now, string name, int id, TimeSpan uptime) =>
        string.Format(C, " {0} up {1}, {2} ({3})", now, Uptime(uptime, shortMode: true), name, id);

    /// <summary>uptime_to_string: "%d days, %2d:%02d:%02d", "%d day, ...", "%2d:%02d:%02d"; short mode drops the seconds.</summary>
    public static string Uptime(TimeSpan t, bool shortMode)
    {
        var clock = shortMode
            ? string.Format(C, "{0,2}:{1:00}", t.Hours, t.Minutes)
            : string.Format(C, "{0,2}:{1:00}:{2:00}", t.Hours, t.Minutes, t.Seconds);
        return t.Days switch
        {
            > 1 => string.Format(C, "{0} days, {1}", t.Days, clock),
            1 => "1 day, " + clock,
            _ => clock,
        };
    }

    /// <summary>xl info line "%-23s: %s".</summary>
    public static string InfoLine(string key, string value) => string.Format(C, "{0,-23}: {1}", key, value);
}
