using System.Globalization;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>xl list / xl list NAME / xl list -v against every real capture of the Xen 4.17 lab.</summary>
public class XlListParserCaptureTests
{
    public static TheoryData<string> ListCaptures => CaptureCatalog.Theory(XlOutputKind.ListTable);

    public static TheoryData<string> SmokeListCaptures => CaptureCatalog.SmokeCaptures(XlOutputKind.ListTable);

    /// <summary>
    /// Independent oracle: a row is a line whose whitespace-split tokens read name, id, mem, vcpus, a 6-letter state and a
    /// one-decimal time from the LEFT (true for every lab capture: no name there is longer than 40 characters or holds a
    /// space). Everything else (ps, losetup, ip, log lines, headers) is not a row.
    /// </summary>
    private sealed record OracleRow(string Line, string Name, int Id, long Mem, int VCpus, string State, string Time, string[] Extra);

    private static List<OracleRow> Oracle(string stdout)
    {
        var rows = new List<OracleRow>();
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var t = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 6) continue;
            if (!t[1].All(char.IsAsciiDigit) || !t[2].All(char.IsAsciiDigit) || !t[3].All(char.IsAsciiDigit)) continue;
            var s = t[4];
            if (s.Length != 6 || !"r-".Contains(s[0]) || !"b-".Contains(s[1]) || !"p-".Contains(s[2]) || !"s-".Contains(s[3])
                || !"-rscwS?".Contains(s[4]) || !"d-".Contains(s[5])) continue;
            var dot = t[5].IndexOf('.');
            if (dot < 1 || dot != t[5].Length - 2 || !t[5].Remove(dot, 1).All(char.IsAsciiDigit)) continue;
            rows.Add(new OracleRow(line, t[0], int.Parse(t[1], CultureInfo.InvariantCulture), long.Parse(t[2], CultureInfo.InvariantCulture),
                int.Parse(t[3], CultureInfo.InvariantCulture), s, t[5], t[6..]));
        }
        return rows;
    }

    private static void AssertMatchesOracle(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        var expected = Oracle(stdout);
        var actual = XlListParser.Parse(stdout, "lab");

        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.Id, a.Id);
            Assert.Equal(e.Mem, a.MemoryMB);
            Assert.Equal(e.VCpus, a.VCpus);
            Assert.Equal(e.State, a.StateText);
            Assert.Equal(e.Time, a.CpuTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
            Assert.Equal("lab", a.ComputerName);
            Assert.Equal(e.Id == 0, a.IsDom0);
            Assert.False(a.IsDetailed);

            // State flags, letter by letter.
            Assert.Equal(e.State[0] == 'r', a.State.HasFlag(XenDomainState.Running));
            Assert.Equal(e.State[1] == 'b', a.State.HasFlag(XenDomainState.Blocked));
            Assert.Equal(e.State[2] == 'p', a.State.HasFlag(XenDomainState.Paused));
            Assert.Equal(e.State[3] == 's', a.State.HasFlag(XenDomainState.Shutdown));
            Assert.Equal(e.State[5] == 'd', a.State.HasFlag(XenDomainState.Dying));
            Assert.Equal(e.State[4] == 'c', a.State.HasFlag(XenDomainState.Crashed));

            // The row is byte for byte what "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f" prints (checks the synthetic builders too).
            var lead = XlFormat.ListRow(e.Name, e.Id, e.Mem, e.VCpus, e.State, double.Parse(e.Time, CultureInfo.InvariantCulture));
            Assert.StartsWith(lead, e.Line, StringComparison.Ordinal);

            if (e.Extra.Length >= 3)
            {
                // xl list -v: UUID, reason code, security label.
                Assert.Equal(Guid.Parse(e.Extra[0]), a.Uuid);
                Assert.Equal(e.Extra[1] == "-" ? null : int.Parse(e.Extra[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), a.ReasonCode);
                Assert.Equal(e.Extra[2], a.SecurityLabel);
                Assert.Equal(e.Line, lead + XlFormat.ListVerboseTail(Guid.Parse(e.Extra[0]), a.ReasonCode, e.Extra[2]));
            }
            else
            {
                Assert.Equal(e.Line, lead);
                Assert.Null(a.Uuid);
                Assert.Null(a.ReasonCode);
                Assert.Null(a.SecurityLabel);
            }
        }
    }

    [Fact]
    public void TheCatalogFindsEveryXlListCapture()
    {
        // 42 captures when written (21 top level, 21 in devices/) run a table form of xl list, many with other commands
        // around it; captures added later join the theories below by themselves.
        var names = CaptureCatalog.Names(XlOutputKind.ListTable);
        Assert.True(names.Count >= 42, names.Count + " captures");
        Assert.Contains("xl-list", names);
        Assert.Contains("xl-list-v", names);
        Assert.Contains("devices/05-after-save", names);
        Assert.Contains("devices/10-gone", names);
        Assert.DoesNotContain("xl-list-l", names);
        Assert.True(names.Count(n => n.StartsWith("devices/", StringComparison.Ordinal)) >= 21);
        Assert.Contains("devices/08-after-shutdown-restored", names); // `xl list n1 >/dev/null` in a loop, then xl list
        Assert.DoesNotContain("xl-create-duplicate-name", names);
    }

    [Theory]
    [MemberData(nameof(ListCaptures))]
    public void EveryCapturedXlListParsesLikeTheOracle(string name) => AssertMatchesOracle(name);

    [Theory]
    [MemberData(nameof(SmokeListCaptures))]
    public void EverySmokeXlListParsesLikeTheOracle(string name) => AssertMatchesOracle(name);

    [Theory]
    [MemberData(nameof(ListCaptures))]
    public void SuccessfulCapturesHaveTheTabbedHeaderAndAtLeastOneRow(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        if (TestData.ExitCode(name) != 0 && stdout.Length == 0)
        {
            // xl list nosuchdomain, or ssh failing: nothing on stdout, nothing parsed.
            Assert.Empty(XlListParser.Parse(stdout));
            return;
        }
        Assert.Contains(XlFormat.ListHeader + "\n", stdout.Replace(XlFormat.ListVerboseHeader, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.NotEmpty(XlListParser.Parse(stdout));
    }

    [Fact]
    public void XlList_Dom0Only()
    {
        var d = Assert.Single(XlListParser.Parse(TestData.Stdout("xl-list")));
        Assert.Equal("Domain-0", d.Name);
        Assert.Equal(0, d.Id);
        Assert.True(d.IsDom0);
        Assert.Equal(1024, d.MemoryMB);
        Assert.Equal(2, d.VCpus);
        Assert.Equal("r-----", d.StateText);
        Assert.Equal(XenDomainState.Running, d.State);
        Assert.Equal(XenShutdownReason.None, d.ShutdownReason);
        Assert.Equal(TimeSpan.FromSeconds(81.8), d.CpuTime);
        Assert.Equal("localhost", d.ComputerName);
        Assert.Null(d.Uuid);
        Assert.Equal("Domain-0", d.ToString());
    }

    [Fact]
    public void XlListV_UuidReasonAndLabel()
    {
        var d = Assert.Single(XlListParser.Parse(TestData.Stdout("xl-list-v"), "h1"));
        Assert.Equal("Domain-0", d.Name);
        Assert.Equal(0, d.Id);
        Assert.Equal(1024, d.MemoryMB);
        Assert.Equal(2, d.VCpus);
        Assert.Equal(XenDomainState.Running, d.State);
        Assert.Equal(TimeSpan.FromSeconds(90.6), d.CpuTime);
        Assert.Equal(Guid.Empty, d.Uuid);
        Assert.Null(d.ReasonCode); // "-": not shut down
        Assert.Equal("-", d.SecurityLabel); // no XSM label
        Assert.Equal("h1", d.ComputerName);
    }

    [Fact]
    public void XlListPaused_GuestPaused()
    {
        var d = XlListParser.Parse(TestData.Stdout("xl-list-paused"));
        Assert.Equal(2, d.Count);
        Assert.Equal(("Domain-0", 0, 1024L, 2, "r-----", XenDomainState.Running), (d[0].Name, d[0].Id, d[0].MemoryMB, d[0].VCpus, d[0].StateText, d[0].State));
        Assert.Equal(TimeSpan.FromSeconds(157.8), d[0].CpuTime);
        Assert.Equal("guest1", d[1].Name);
        Assert.Equal(1, d[1].Id);
        Assert.Equal(128, d[1].MemoryMB);
        Assert.Equal(1, d[1].VCpus);
        Assert.Equal("--p---", d[1].StateText);
        Assert.Equal(XenDomainState.Paused, d[1].State);
        Assert.Equal(XenShutdownReason.None, d[1].ShutdownReason);
        Assert.Equal(TimeSpan.FromSeconds(22.4), d[1].CpuTime);
    }

    [Fact]
    public void XlListPvh1_CrashedDomain()
    {
        // The lab's crashed PVH guest (no rdtscp on the vCPU): "---sc-".
        var d = XlListParser.Parse(TestData.Stdout("xl-list-pvh1"));
        Assert.Equal(2, d.Count);
        Assert.Equal("pvh1", d[1].Name);
        Assert.Equal(6, d[1].Id);
        Assert.Equal(128, d[1].MemoryMB);
        Assert.Equal("---sc-", d[1].StateText);
        Assert.Equal(XenDomainState.Shutdown | XenDomainState.Crashed, d[1].State);
        Assert.Equal(XenShutdownReason.Crash, d[1].ShutdownReason);
        Assert.Equal(TimeSpan.FromSeconds(12.5), d[1].CpuTime);
    }

    [Fact]
    public void Run2XlListPvhcrash_Dom0AndTheXlLogLinesAreIgnored()
    {
        // By the time this was captured xl had already destroyed pvhcrash (on_crash=destroy): the rest of stdout is
        // `cat xl-pvhcrash.log` ("Domain 2 has shut down, reason code 3 0x3", ...), which must not become rows.
        var stdout = TestData.Stdout("run2-xl-list-pvhcrash");
        Assert.Contains("Domain 2 has shut down, reason code 3 0x3", stdout, StringComparison.Ordinal);
        var d = Assert.Single(XlListParser.Parse(stdout));
        Assert.Equal("Domain-0", d.Name);
        Assert.Equal(TimeSpan.FromSeconds(72.8), d.CpuTime);
    }

    [Fact]
    public void XlListAfterHvmlinux_PausedAndShutDown()
    {
        var d = XlListParser.Parse(TestData.Stdout("xl-list-after-hvmlinux"));
        Assert.Equal(2, d.Count);
        Assert.Equal("hvmlinux", d[1].Name);
        Assert.Equal(16, d[1].Id);
        Assert.Equal(248, d[1].MemoryMB);
        Assert.Equal(1, d[1].VCpus);
        Assert.Equal("--ps--", d[1].StateText);
        Assert.Equal(XenDomainState.Paused | XenDomainState.Shutdown, d[1].State);
        Assert.Equal(XenShutdownReason.PowerOff, d[1].ShutdownReason);
        Assert.Equal(TimeSpan.FromSeconds(39.9), d[1].CpuTime);
    }

    [Fact]
    public void DevicesLoopLeakCheck_RowsAfterLosetupLines()
    {
        // losetup and xenstore-read print before xl list here; the shut-down-but-kept n1 is "---s--".
        var d = XlListParser.Parse(TestData.Stdout("devices/06-loop-leak-check"));
        Assert.Equal(new[] { "Domain-0", "n1", "plain" }, d.Select(x => x.Name));
        Assert.Equal(new[] { 0, 9, 12 }, d.Select(x => x.Id));
        Assert.Equal(new[] { 768L, 128, 128 }, d.Select(x => x.MemoryMB));
        Assert.Equal(XenDomainState.Shutdown, d[1].State);
        Assert.Equal(XenShutdownReason.PowerOff, d[1].ShutdownReason);
        Assert.Equal(XenDomainState.Blocked, d[2].State);
        Assert.Equal(TimeSpan.FromSeconds(5.1), d[2].CpuTime);
    }

    [Fact]
    public void FailedXlList_NothingParsed()
    {
        Assert.Equal(1, TestData.ExitCode("xl-list-nonexistent"));
        Assert.Empty(XlListParser.Parse(TestData.Stdout("xl-list-nonexistent")));
        Assert.Empty(XlListParser.Parse(TestData.Stderr("xl-list-nonexistent")));
    }
}
