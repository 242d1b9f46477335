using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>
/// SYNTHETIC xl list output: edge cases the lab never printed, built with <see cref="XlFormat"/> (the printf formats of
/// tools/xl/xl_info.c:list_domains), so each line has exactly the bytes xl would print.
/// </summary>
public class XlListParserSyntheticTests
{
    private static readonly Guid SomeUuid = Guid.Parse("890fbdea-8c5b-4103-b72b-8f663dc81512");

    private static string Table(params string[] rows) => XlFormat.ListHeader + "\n" + string.Join("\n", rows) + "\n";

    [Fact]
    public void Synthetic_NameLongerThan40PushesTheColumns()
    {
        const string longName = "a-very-long-domain-name-for-the-web-frontend-01"; // 47 characters
        var row = XlFormat.ListRow(longName, 7, 2048, 4, "-b----", 12.3);
        Assert.StartsWith(longName + "     7  2048", row, StringComparison.Ordinal); // only the one separating space: no padding
        var d = Assert.Single(XlListParser.Parse(Table(XlFormat.ListRow("Domain-0", 0, 1024, 2, "r-----", 1.0), row)).Skip(1));
        Assert.Equal(longName, d.Name);
        Assert.Equal(7, d.Id);
        Assert.Equal(2048, d.MemoryMB);
        Assert.Equal(4, d.VCpus);
        Assert.Equal(XenDomainState.Blocked, d.State);
        Assert.Equal(TimeSpan.FromSeconds(12.3), d.CpuTime);
    }

    [Fact]
    public void Synthetic_NameOfExactly40AndOf41Characters()
    {
        var n40 = new string('x', 40);
        var n41 = new string('y', 41);
        var d = XlListParser.Parse(Table(XlFormat.ListRow(n40, 1, 128, 1, "r-----", 1.5), XlFormat.ListRow(n41, 2, 256, 2, "-b----", 2.5)));
        Assert.Equal(new[] { n40, n41 }, d.Select(x => x.Name));
        Assert.Equal(new[] { 1, 2 }, d.Select(x => x.Id));
        Assert.Equal(new[] { 128L, 256 }, d.Select(x => x.MemoryMB));
    }

    [Fact]
    public void Synthetic_TimeWiderThanEightCharacters()
    {
        // The SNAG xen.pm sample shows Dom0 with 18631439.3 s of CPU: %8.1f widens to 10 characters.
        var row = XlFormat.ListRow("Domain-0", 0, 4096, 8, "r-----", 18631439.3);
        Assert.EndsWith("r-----  18631439.3", row, StringComparison.Ordinal);
        var d = Assert.Single(XlListParser.Parse(Table(row)));
        Assert.Equal(TimeSpan.FromSeconds(18631439.3), d.CpuTime);
        Assert.Equal(4096, d.MemoryMB);
        Assert.Equal(8, d.VCpus);
    }

    [Fact]
    public void Synthetic_LargeIdsAndMemory()
    {
        var d = Assert.Single(XlListParser.Parse(Table(XlFormat.ListRow("big", 32750, 1048576, 128, "-b----", 0.0))));
        Assert.Equal(32750, d.Id);
        Assert.Equal(1048576, d.MemoryMB);
        Assert.Equal(128, d.VCpus);
        Assert.Equal(TimeSpan.Zero, d.CpuTime);
    }

    [Theory]
    [InlineData("---s--", XenShutdownReason.PowerOff, XenDomainState.Shutdown)]
    [InlineData("---sr-", XenShutdownReason.Reboot, XenDomainState.Shutdown)]
    [InlineData("---ss-", XenShutdownReason.Suspend, XenDomainState.Shutdown)]
    [InlineData("---sc-", XenShutdownReason.Crash, XenDomainState.Shutdown | XenDomainState.Crashed)]
    [InlineData("---sw-", XenShutdownReason.Watchdog, XenDomainState.Shutdown)]
    [InlineData("---sS-", XenShutdownReason.SoftReset, XenDomainState.Shutdown)]
    [InlineData("---s?-", XenShutdownReason.Unknown, XenDomainState.Shutdown)]
    [InlineData("--psc-", XenShutdownReason.Crash, XenDomainState.Paused | XenDomainState.Shutdown | XenDomainState.Crashed)]
    [InlineData("---scd", XenShutdownReason.Crash, XenDomainState.Shutdown | XenDomainState.Crashed | XenDomainState.Dying)]
    [InlineData("-----d", XenShutdownReason.None, XenDomainState.Dying)]
    [InlineData("-b---d", XenShutdownReason.None, XenDomainState.Blocked | XenDomainState.Dying)]
    [InlineData("------", XenShutdownReason.None, XenDomainState.None)]
    [InlineData("rb----", XenShutdownReason.None, XenDomainState.Running | XenDomainState.Blocked)]
    public void Synthetic_EveryShutdownReasonLetterAndDying(string state, XenShutdownReason reason, XenDomainState flags)
    {
        // Fifth letter: "-rscwS"[reason] when 's' is set, '?' when the reason is out of range (xl_info.c).
        var d = Assert.Single(XlListParser.Parse(Table(XlFormat.ListRow("guest", 3, 512, 1, state, 4.2))));
        Assert.Equal(state, d.StateText);
        Assert.Equal(flags, d.State);
        Assert.Equal(reason, d.ShutdownReason);
        Assert.Equal("guest", d.Name);
        Assert.Equal(TimeSpan.FromSeconds(4.2), d.CpuTime);
    }

    [Fact]
    public void Synthetic_DecodeStateOfTooShortTextIsNone()
    {
        Assert.Equal(XenDomainState.None, XlListParser.DecodeState("r--", out var reason));
        Assert.Equal(XenShutdownReason.None, reason);
    }

    [Fact]
    public void Synthetic_VerboseWithReasonCodeAndSecurityLabel()
    {
        var header = XlFormat.ListHeader + XlFormat.ListVerboseHeader;
        var dom0 = XlFormat.ListRow("Domain-0", 0, 1024, 2, "r-----", 90.6) + XlFormat.ListVerboseTail(Guid.Empty, null, "system_u:system_r:dom0_t");
        var crashed = XlFormat.ListRow("web1", 4, 512, 2, "---sc-", 33.3) + XlFormat.ListVerboseTail(SomeUuid, 3, "system_u:system_r:domU_t");
        var rebooting = XlFormat.ListRow("web2", 5, 512, 2, "---sr-", 1.0) + XlFormat.ListVerboseTail(SomeUuid, 1, "-");
        var watchdog = XlFormat.ListRow("web3", 6, 512, 2, "---sw-", 1.0) + XlFormat.ListVerboseTail(SomeUuid, 4, "-");
        Assert.Contains("        3 system_u:system_r:domU_t", crashed, StringComparison.Ordinal);

        var d = XlListParser.Parse(header + "\n" + string.Join("\n", dom0, crashed, rebooting, watchdog) + "\n");
        Assert.Equal(4, d.Count);
        Assert.Equal(Guid.Empty, d[0].Uuid);
        Assert.Null(d[0].ReasonCode);
        Assert.Equal("system_u:system_r:dom0_t", d[0].SecurityLabel);
        Assert.Equal("web1", d[1].Name);
        Assert.Equal(SomeUuid, d[1].Uuid);
        Assert.Equal(3, d[1].ReasonCode);
        Assert.Equal(XenShutdownReason.Crash, d[1].ShutdownReason);
        Assert.Equal("system_u:system_r:domU_t", d[1].SecurityLabel);
        Assert.Equal(TimeSpan.FromSeconds(33.3), d[1].CpuTime);
        Assert.Equal((1, XenShutdownReason.Reboot, "-"), (d[2].ReasonCode!.Value, d[2].ShutdownReason, d[2].SecurityLabel!));
        Assert.Equal((4, XenShutdownReason.Watchdog), (d[3].ReasonCode!.Value, d[3].ShutdownReason));
    }

    [Fact]
    public void Synthetic_VerboseReasonCodeIsHex()
    {
        // " %8x": a reason code of 26 prints as "1a".
        var row = XlFormat.ListRow("odd", 9, 128, 1, "---s?-", 0.1) + XlFormat.ListVerboseTail(SomeUuid, 26, "-");
        Assert.Contains("       1a ", row, StringComparison.Ordinal);
        var d = Assert.Single(XlListParser.Parse(row));
        Assert.Equal(26, d.ReasonCode);
        Assert.Equal(XenShutdownReason.Unknown, d.ShutdownReason);
    }

    [Fact]
    public void Synthetic_VerboseWithLongNameAndWideTime()
    {
        var name = new string('n', 52);
        var row = XlFormat.ListRow(name, 300, 65536, 16, "r-----", 18631439.3) + XlFormat.ListVerboseTail(SomeUuid, null);
        var d = Assert.Single(XlListParser.Parse(XlFormat.ListHeader + XlFormat.ListVerboseHeader + "\n" + row + "\n"));
        Assert.Equal(name, d.Name);
        Assert.Equal(300, d.Id);
        Assert.Equal(65536, d.MemoryMB);
        Assert.Equal(16, d.VCpus);
        Assert.Equal(TimeSpan.FromSeconds(18631439.3), d.CpuTime);
        Assert.Equal(SomeUuid, d.Uuid);
        Assert.Null(d.ReasonCode);
        Assert.Equal("-", d.SecurityLabel);
    }

    [Theory]
    [InlineData("          Pool-0")] // xl list -c: "%16s" cpupool, no space before it
    [InlineData(" all")] // xl list -n: " " + node affinity bitmap
    [InlineData(" 0-1")]
    [InlineData("     0")] // xl claims: " %5lu" claimed MiB
    [InlineData(" future-column another one 42 r----- 1.0x")] // an unknown future column, even with state-like words
    public void Synthetic_ExtraTrailingColumnsAreIgnored(string extra)
    {
        var d = XlListParser.Parse(Table(XlFormat.ListRow("Domain-0", 0, 1024, 2, "r-----", 81.8) + extra, XlFormat.ListRow("guest1", 1, 128, 1, "--p---", 22.4) + extra));
        Assert.Equal(2, d.Count);
        Assert.Equal(("Domain-0", 0, 1024L, 2, "r-----"), (d[0].Name, d[0].Id, d[0].MemoryMB, d[0].VCpus, d[0].StateText));
        Assert.Equal(("guest1", 1, 128L, 1, XenDomainState.Paused), (d[1].Name, d[1].Id, d[1].MemoryMB, d[1].VCpus, d[1].State));
        Assert.Equal(TimeSpan.FromSeconds(22.4), d[1].CpuTime);
        Assert.Null(d[1].Uuid);
    }

    [Fact]
    public void Synthetic_VerboseWithCpupoolColumnKeepsTheLabelAlone()
    {
        // xl list -v -c: the cpupool ("%16s") comes after the " %16s" security label.
        var row = XlFormat.ListRow("guest1", 1, 128, 1, "-b----", 5.0) + XlFormat.ListVerboseTail(SomeUuid, null, "system_u:system_r:domU_t") + "          Pool-0";
        var d = Assert.Single(XlListParser.Parse(XlFormat.ListHeader + XlFormat.ListVerboseHeader + "         Cpupool\n" + row));
        Assert.Equal(SomeUuid, d.Uuid);
        Assert.Null(d.ReasonCode);
        Assert.Equal("system_u:system_r:domU_t", d.SecurityLabel);
    }

    [Fact]
    public void Synthetic_NameThatLooksLikeAStateIsStillTheName()
    {
        // Rows are read from the right, so a domain called "r-----" or "12" can't be mistaken for the columns.
        var d = XlListParser.Parse(Table(XlFormat.ListRow("r-----", 5, 128, 1, "-b----", 2.0), XlFormat.ListRow("web.example.org_1", 6, 64, 1, "------", 0.3)));
        Assert.Equal(new[] { "r-----", "web.example.org_1" }, d.Select(x => x.Name));
        Assert.Equal(XenDomainState.Blocked, d[0].State);
        Assert.Equal(5, d[0].Id);
    }

    [Fact]
    public void Synthetic_GarbageLinesAreIgnored()
    {
        var text = string.Join("\n",
            "/dev/loop0: [65024]:17553 (/root/d1.img)",
            XlFormat.ListHeader,
            XlFormat.ListRow("Domain-0", 0, 1024, 2, "r-----", 81.8),
            "",
            "   ",
            "Waiting for domain pvhcrash (domid 2) to die [pid 269]",
            "Domain 2 has shut down, reason code 3 0x3",
            "root       243     1  0 12:05 ?        00:00:00 /usr/lib/xen-4.17/bin/xl create /etc/xen/test/pvh1.cfg",
            "  688 S    bash -c xl list",
            "5632  0   5      1     -1     -1       /local/domain/0/backend/qdisk/5/5632",
            "libxl: error: libxl_domain.c:1234:libxl_domain_info: Domain 99:Non-existant domain",
            "guest 1 128 1 xxxxxx 2.0", // bad state
            "guest 1 128 1 r----- notatime", // bad time
            "guest one 128 1 r----- 2.0", // bad id
            "1 128 1 r----- 2.0", // no name
            XlFormat.ListRow("guest1", 1, 128, 1, "-b----", 22.4) + "\r",
            "");
        var d = XlListParser.Parse(text);
        Assert.Equal(new[] { "Domain-0", "guest1" }, d.Select(x => x.Name));
        Assert.Equal(TimeSpan.FromSeconds(22.4), d[1].CpuTime);
    }

    [Fact]
    public void Synthetic_EmptyAndHeaderOnlyOutput()
    {
        Assert.Empty(XlListParser.Parse(string.Empty));
        Assert.Empty(XlListParser.Parse(XlFormat.ListHeader + "\n"));
        Assert.Empty(XlListParser.Parse(XlFormat.ListHeader + XlFormat.ListVerboseHeader + "\n"));
        Assert.Null(XlListParser.ParseRow(XlFormat.ListHeader));
    }

    [Fact]
    public void Synthetic_ParseRowOfOneLine()
    {
        var d = XlListParser.ParseRow(XlFormat.ListRow("guest2", 4, 160, 1, "------", 0.8));
        Assert.NotNull(d);
        Assert.Equal(("guest2", 4, 160L, 1), (d.Name, d.Id, d.MemoryMB, d.VCpus));
        Assert.Equal("localhost", d.ComputerName);
    }
}
