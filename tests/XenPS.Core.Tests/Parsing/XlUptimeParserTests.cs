using System.Globalization;
using System.Text.RegularExpressions;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>xl uptime and xl uptime -s: the lab capture and synthetic rows shaped by xl_info.c:uptime_to_string.</summary>
public class XlUptimeParserTests
{
    public static TheoryData<string> UptimeCaptures => CaptureCatalog.TheoryWithSmoke(XlOutputKind.Uptime);

    [Fact]
    public void TheCatalogFindsEveryUptimeCapture() => Assert.Contains("xl-uptime", CaptureCatalog.Names(XlOutputKind.Uptime));

    /// <summary>Oracle: whitespace split of each row after the header: name, id, then "[N day[s], ]H:MM:SS".</summary>
    [Theory]
    [MemberData(nameof(UptimeCaptures))]
    public void EveryCapturedUptimeParsesLikeTheOracle(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(XlFormat.UptimeHeader, lines[0]);
        var parsed = XlUptimeParser.Parse(stdout, "lab");
        Assert.Equal(lines.Length - 1, parsed.Count);
        for (var i = 1; i < lines.Length; i++)
        {
            var t = lines[i].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var p = parsed[i - 1];
            Assert.Equal(t[0], p.Name);
            Assert.Equal(int.Parse(t[1], CultureInfo.InvariantCulture), p.Id);
            var m = Regex.Match(t[2].Trim(), @"^(?:(\d+) days?, +)?(\d+):(\d\d):(\d\d)$", RegexOptions.CultureInvariant);
            Assert.True(m.Success, t[2]);
            var expected = new TimeSpan(m.Groups[1].Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
            Assert.Equal(expected, p.Uptime);
            Assert.Equal("lab", p.ComputerName);
            Assert.Equal(lines[i], XlFormat.UptimeRow(p.Name, p.Id, p.Uptime));
        }
    }

    [Fact]
    public void XlUptime_Dom0()
    {
        var u = Assert.Single(XlUptimeParser.Parse(TestData.Stdout("xl-uptime")));
        Assert.Equal("Domain-0", u.Name);
        Assert.Equal(0, u.Id);
        Assert.Equal(new TimeSpan(0, 0, 1, 27), u.Uptime);
        Assert.Equal("localhost", u.ComputerName);
    }

    [Fact]
    public void Synthetic_DaysAndLongNames()
    {
        var longName = new string('w', 40);
        var text = XlFormat.UptimeHeader + "\n"
            + XlFormat.UptimeRow("Domain-0", 0, new TimeSpan(3, 10, 0, 0)) + "\n"
            + XlFormat.UptimeRow("guest1", 1, new TimeSpan(1, 2, 3, 4)) + "\n"
            + XlFormat.UptimeRow("guest2", 12, new TimeSpan(0, 0, 0, 5)) + "\n"
            + XlFormat.UptimeRow(longName, 1234, new TimeSpan(400, 23, 59, 59)) + "\n";
        Assert.Contains("guest1                               1 1 day,  2:03:04\n", text, StringComparison.Ordinal);
        Assert.Contains("    0 3 days, 10:00:00\n", text, StringComparison.Ordinal);
        Assert.Contains("   12  0:00:05\n", text, StringComparison.Ordinal);

        var u = XlUptimeParser.Parse(text);
        Assert.Equal(new[] { "Domain-0", "guest1", "guest2", longName }, u.Select(x => x.Name));
        Assert.Equal(new[] { 0, 1, 12, 1234 }, u.Select(x => x.Id));
        Assert.Equal(new TimeSpan(3, 10, 0, 0), u[0].Uptime);
        Assert.Equal(new TimeSpan(1, 2, 3, 4), u[1].Uptime);
        Assert.Equal(TimeSpan.FromSeconds(5), u[2].Uptime);
        Assert.Equal(new TimeSpan(400, 23, 59, 59), u[3].Uptime);
    }

    [Fact]
    public void Synthetic_ShortForm()
    {
        // xl uptime -s: no header; " %s up %s, %s (%d)" whose uptime is "%2d:%02d" (hours and minutes, no seconds).
        var text = XlFormat.UptimeShortRow("12:34:56", "Domain-0", 0, new TimeSpan(3, 10, 5, 0)) + "\n"
            + XlFormat.UptimeShortRow("12:34:56", "guest1", 1, new TimeSpan(1, 2, 3, 0)) + "\n"
            + XlFormat.UptimeShortRow("12:34:56", "guest2", 7, new TimeSpan(0, 0, 42, 0)) + "\n"
            + XlFormat.UptimeShortRow("12:34:56", "web-with space", 9, new TimeSpan(0, 11, 0, 0)) + "\n";
        Assert.StartsWith(" 12:34:56 up 3 days, 10:05, Domain-0 (0)\n", text, StringComparison.Ordinal);
        Assert.Contains(" 12:34:56 up  0:42, guest2 (7)\n", text, StringComparison.Ordinal);
        Assert.Contains(" 12:34:56 up 1 day,  2:03, guest1 (1)\n", text, StringComparison.Ordinal);

        var u = XlUptimeParser.Parse(text);
        Assert.Equal(new[] { "Domain-0", "guest1", "guest2", "web-with space" }, u.Select(x => x.Name));
        Assert.Equal(new[] { 0, 1, 7, 9 }, u.Select(x => x.Id));
        Assert.Equal(new TimeSpan(3, 10, 5, 0), u[0].Uptime);
        Assert.Equal(new TimeSpan(1, 2, 3, 0), u[1].Uptime);
        Assert.Equal(TimeSpan.FromMinutes(42), u[2].Uptime);
        Assert.Equal(TimeSpan.FromHours(11), u[3].Uptime);
    }

    [Fact]
    public void Synthetic_ShortFormWithSecondsIsAlsoRead()
    {
        var u = Assert.Single(XlUptimeParser.Parse(" 08:00:00 up 2 days,  1:02:03, guest1 (4)\n"));
        Assert.Equal(("guest1", 4, new TimeSpan(2, 1, 2, 3)), (u.Name, u.Id, u.Uptime));
    }

    [Fact]
    public void Synthetic_GarbageLinesAreIgnored()
    {
        var text = XlFormat.UptimeHeader + "\r\n"
            + "Can not get Dom0 uptime.\n"
            + "Could not list vms.\n"
            + "guest 1 soon\n"
            + "guest x 0:01:02\n"
            + "\n"
            + XlFormat.UptimeRow("guest1", 1, TimeSpan.FromMinutes(90)) + "\r\n";
        var u = Assert.Single(XlUptimeParser.Parse(text));
        Assert.Equal(("guest1", 1, TimeSpan.FromMinutes(90)), (u.Name, u.Id, u.Uptime));
        Assert.Empty(XlUptimeParser.Parse(string.Empty));
    }
}
