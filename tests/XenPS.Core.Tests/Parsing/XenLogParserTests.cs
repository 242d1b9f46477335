using XenPS.Core.Parsing;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

public class XenLogParserTests
{
    private static string Capture(string name) => File.ReadAllText(Path.Combine(TestData.Captures, "multihost", name));

    [Fact]
    public void TheMonitorLogOfARealGuestHasNoTimestamps()
    {
        var entries = XenLogParser.Parse(Capture("xl-guest1.log"), XenLogKind.Xl, "guest1", "/var/log/xen/xl-guest1.log", "xenlab1");
        Assert.Equal(new[] { "Waiting for domain guest1 (domid 2) to die [pid 316]", "Domain 2 has shut down, reason code 2 0x2", "Domain has suspended.", "Done. Exiting now" },
            entries.Select(e => e.Message));
        Assert.All(entries, e => Assert.Equal((null, null, null, "guest1", "xenlab1", XenLogKind.Xl), (e.Time, e.Level, e.Context, e.Name, e.ComputerName, e.Kind)));
    }

    [Theory]
    [InlineData("libxl: error: libxl_create.c:1896:domcreate_devmodel_started: Domain 4:device model did not start: -3", null, "error", "libxl", "libxl_create.c:1896:domcreate_devmodel_started: Domain 4:device model did not start: -3")]
    [InlineData("2026-11-23 16:03:00 UTC [302] libxl: debug: libxl_create.c:2096:do_domain_create: ao 0x1: create", "2026-11-23T16:03:00Z", "debug", "libxl", "libxl_create.c:2096:do_domain_create: ao 0x1: create")]
    [InlineData("xc: info: Saving domain 1, type x86 HVM", null, "info", "xc", "Saving domain 1, type x86 HVM")]
    [InlineData("xc: progress: Frames: 2048/32768    6%", null, "progress", "xc", "Frames: 2048/32768    6%")]
    [InlineData("2026-11-23T16:11:02.5Z xen-qemu-system-i386: -netdev type=tap: could not open /dev/net/tun", "2026-11-23T16:11:02.5Z", null, "xen-qemu-system-i386", "-netdev type=tap: could not open /dev/net/tun")]
    [InlineData("2026-11-23T18:11:02+02:00 qemu-system-i386: terminating on signal 15", "2026-11-23T16:11:02Z", null, "qemu-system-i386", "terminating on signal 15")]
    [InlineData("migration target: Ready to receive domain.", null, null, null, "migration target: Ready to receive domain.")]
    [InlineData("Note: something happened", null, null, null, "Note: something happened")]
    public void ToolLinesAreTakenApart(string line, string? utc, string? level, string? context, string message)
    {
        var e = XenLogParser.ParseLine(line, XenLogKind.Xl, "g", "f", "h");
        Assert.Equal((level, context, message, line), (e.Level, e.Context, e.Message, e.Line));
        Assert.Equal(utc is null ? null : DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), e.Time);
        if (utc is not null) Assert.Equal(DateTimeKind.Utc, e.Time!.Value.Kind);
    }

    [Fact]
    public void ALocalTimeZoneAbbreviationKeepsTheTimeAsWritten()
    {
        var e = XenLogParser.ParseLine("2026-11-23 17:03:00 CET [302] libxl: info: x", XenLogKind.Xl, "g", "f", "h");
        Assert.Equal(new DateTime(2026, 11, 23, 17, 3, 0, DateTimeKind.Unspecified), e.Time);
        Assert.Equal(DateTimeKind.Unspecified, e.Time!.Value.Kind);
    }

    [Theory]
    [InlineData("(XEN) Xen version 4.17.7 (Debian)", "XEN", null, null, "Xen version 4.17.7 (Debian)")]
    [InlineData("(XEN) [  123.456789] Scrubbing Free RAM", "XEN", 123.456789, null, "Scrubbing Free RAM")]
    [InlineData("(XEN) [2026-11-23 16:03:00.123] d1v0 Unhandled", "XEN", null, "2026-11-23T16:03:00.123", "d1v0 Unhandled")]
    [InlineData("(d1) SeaBIOS (version 1.16.2)", "d1", null, null, "SeaBIOS (version 1.16.2)")]
    [InlineData("no prefix at all", null, null, null, "no prefix at all")]
    public void HypervisorLinesCarryTheirOriginAndTime(string line, string? context, double? uptime, string? date, string message)
    {
        var e = XenLogParser.ParseLine(line, XenLogKind.Hypervisor, null, "xl dmesg", "h");
        Assert.Equal((context, message), (e.Context, e.Message));
        Assert.Equal(uptime is null ? null : TimeSpan.FromSeconds(uptime.Value), e.Uptime);
        Assert.Equal(date is null ? null : DateTime.Parse(date, System.Globalization.CultureInfo.InvariantCulture), e.Time);
    }

    [Fact]
    public void TheRealDmesgIsAllXenLines()
    {
        var entries = XenLogParser.Parse(Capture("xl-dmesg.stdout"), XenLogKind.Hypervisor, null, "xl dmesg", "xenlab1");
        Assert.True(entries.Count > 100);
        Assert.All(entries, e => Assert.Matches("^(XEN|d[0-9]+)$", e.Context!));
        Assert.StartsWith("Xen version 4.17.7", entries[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleLinesCarryXenconsoledAndKernelTimes()
    {
        var e = XenLogParser.ParseLine("[2026-11-23 16:03:01] [    0.123456] Linux version 6.1.0", XenLogKind.Console, "g", "f", "h");
        Assert.Equal((new DateTime(2026, 11, 23, 16, 3, 1), TimeSpan.FromSeconds(0.123456), "Linux version 6.1.0"), (e.Time!.Value, e.Uptime!.Value, e.Message));
        Assert.Equal("GUEST-BOOTED", XenLogParser.ParseLine("GUEST-BOOTED", XenLogKind.Console, "g", "f", "h").Message);
    }

    [Theory]
    [InlineData("a b c", "a b c d e", "d e")]
    [InlineData("a b c", "a b c", "")]
    [InlineData("a b c d e f g", "d e f g h", "h")]
    [InlineData("a b c", "x y", "x y")]
    [InlineData("", "a", "a")]
    public void NewLinesOfTheRingAreThoseAfterWhatWasSeen(string before, string after, string expected)
    {
        static string[] Words(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Words(expected), XenLogReader.NewLines(Words(before), Words(after)));
    }
}
