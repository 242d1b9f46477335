using System.Globalization;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>xl vcpu-list: the lab captures and synthetic rows shaped by xl_vcpu.c:print_vcpuinfo.</summary>
public class XlVcpuListParserTests
{
    public static TheoryData<string> VcpuCaptures => CaptureCatalog.TheoryWithSmoke(XlOutputKind.VcpuList);

    [Fact]
    public void TheCatalogFindsEveryVcpuListCapture() =>
        Assert.Superset(new HashSet<string> { "xl-vcpu-list", "xl-vcpu-list-0", "xl-vcpu-list-all" }, new HashSet<string>(CaptureCatalog.Names(XlOutputKind.VcpuList)));

    /// <summary>Oracle: whitespace split of every row after the header: name id vcpu cpu state time hard / soft.</summary>
    [Theory]
    [MemberData(nameof(VcpuCaptures))]
    public void EveryCapturedVcpuListParsesLikeTheOracle(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(XlFormat.VcpuHeader, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var parsed = XlVcpuListParser.Parse(stdout, "lab");

        Assert.NotEmpty(rows);
        Assert.Equal(rows.Count, parsed.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var t = rows[i];
            var v = parsed[i];
            Assert.Equal(9, t.Length);
            Assert.Equal(t[0], v.Name);
            Assert.Equal(int.Parse(t[1], CultureInfo.InvariantCulture), v.Id);
            Assert.Equal(int.Parse(t[2], CultureInfo.InvariantCulture), v.VCpu);
            Assert.Equal(t[3] == "-" ? null : int.Parse(t[3], CultureInfo.InvariantCulture), v.Cpu);
            Assert.Equal(t[4], v.StateText);
            Assert.Equal(t[4][0] == 'r', v.State.HasFlag(XenVCpuState.Running));
            Assert.Equal(t[4][1] == 'b', v.State.HasFlag(XenVCpuState.Blocked));
            Assert.Equal(t[4][2] == 'p', v.State.HasFlag(XenVCpuState.Offline));
            Assert.Equal(t[5], v.CpuTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
            Assert.Equal(t[6], v.HardAffinity);
            Assert.Equal("/", t[7]);
            Assert.Equal(t[8], v.SoftAffinity);
            Assert.Equal("lab", v.ComputerName);
            // And the builder used by the synthetic tests prints the same bytes.
            Assert.Equal(lines[i + 1], XlFormat.VcpuRow(v.Name, v.Id, v.VCpu, v.Cpu, v.State.HasFlag(XenVCpuState.Running),
                v.State.HasFlag(XenVCpuState.Blocked), v.CpuTime.TotalSeconds, v.HardAffinity, v.SoftAffinity));
        }
    }

    [Fact]
    public void XlVcpuListAll_ExactValues()
    {
        var v = XlVcpuListParser.Parse(TestData.Stdout("xl-vcpu-list-all"));
        Assert.Equal(3, v.Count);
        Assert.Equal(("Domain-0", 0, 0, (int?)0, "-b-", XenVCpuState.Blocked), (v[0].Name, v[0].Id, v[0].VCpu, v[0].Cpu, v[0].StateText, v[0].State));
        Assert.Equal(TimeSpan.FromSeconds(97.7), v[0].CpuTime);
        Assert.Equal(("Domain-0", 0, 1, (int?)1, "r--", XenVCpuState.Running), (v[1].Name, v[1].Id, v[1].VCpu, v[1].Cpu, v[1].StateText, v[1].State));
        Assert.Equal(TimeSpan.FromSeconds(83.8), v[1].CpuTime);
        Assert.Equal(("guest1", 1, 0, (int?)0, "-b-", XenVCpuState.Blocked), (v[2].Name, v[2].Id, v[2].VCpu, v[2].Cpu, v[2].StateText, v[2].State));
        Assert.Equal(TimeSpan.FromSeconds(23.6), v[2].CpuTime);
        Assert.All(v, x => Assert.Equal(("all", "all"), (x.HardAffinity, x.SoftAffinity)));
        Assert.All(v, x => Assert.Equal("localhost", x.ComputerName));
    }

    [Fact]
    public void Synthetic_OfflineVcpuAndAffinityRanges()
    {
        var text = XlFormat.VcpuHeader + "\n"
            + XlFormat.VcpuRow("Domain-0", 0, 0, 12, true, false, 1234.5, "12-19", "all") + "\n"
            + XlFormat.VcpuRow("web1", 3, 0, 14, false, true, 5.0, "12-19", "all") + "\n"
            + XlFormat.VcpuRow("web1", 3, 1, null, false, false, 0.2, "12-19", "all") + "\n"
            + XlFormat.VcpuRow("web1", 3, 2, 3, false, false, 0.0, "0,2,4-7", "1-3,8") + "\n";
        Assert.Contains("    -   --p ", text, StringComparison.Ordinal); // "%5c %3c%cp " with '-'
        var v = XlVcpuListParser.Parse(text);
        Assert.Equal(4, v.Count);
        Assert.Equal(12, v[0].Cpu);
        Assert.Equal(XenVCpuState.Running, v[0].State);
        Assert.Equal(TimeSpan.FromSeconds(1234.5), v[0].CpuTime);
        Assert.Equal(("12-19", "all"), (v[0].HardAffinity, v[0].SoftAffinity));

        var offline = v[2];
        Assert.Equal(("web1", 3, 1), (offline.Name, offline.Id, offline.VCpu));
        Assert.Null(offline.Cpu);
        Assert.Equal("--p", offline.StateText);
        Assert.Equal(XenVCpuState.Offline, offline.State);
        Assert.Equal(TimeSpan.FromSeconds(0.2), offline.CpuTime);
        Assert.Equal(("12-19", "all"), (offline.HardAffinity, offline.SoftAffinity));

        Assert.Equal(XenVCpuState.None, v[3].State);
        Assert.Equal(("0,2,4-7", "1-3,8"), (v[3].HardAffinity, v[3].SoftAffinity));
    }

    [Fact]
    public void Synthetic_LongNameWideTimeAndOldSingleAffinity()
    {
        var name = new string('q', 45);
        var text = XlFormat.VcpuHeader + "\n"
            + XlFormat.VcpuRow(name, 32000, 127, 255, true, false, 18631439.3, "all", "all") + "\n"
            + XlFormat.VcpuRow("old", 2, 0, 1, false, true, 3.3, "0-3", null) + "\n"; // Xen before 4.5: hard affinity only
        var v = XlVcpuListParser.Parse(text);
        Assert.Equal(2, v.Count);
        Assert.Equal((name, 32000, 127, (int?)255), (v[0].Name, v[0].Id, v[0].VCpu, v[0].Cpu));
        Assert.Equal(TimeSpan.FromSeconds(18631439.3), v[0].CpuTime);
        Assert.Equal(("0-3", "all"), (v[1].HardAffinity, v[1].SoftAffinity));
    }

    [Fact]
    public void Synthetic_GarbageLinesAreIgnored()
    {
        var text = "libxl_list_vcpu failed.\n" + XlFormat.VcpuHeader + "\r\n\n"
            + "nosuch is an invalid domain identifier (rc=-6)\n"
            + "guest 1 0 x -b- 1.0 all / all\n" // bad cpu
            + "guest 1 0 0 xyz 1.0 all / all\n" // bad state
            + XlFormat.VcpuRow("guest1", 1, 0, 0, false, true, 23.6, "all", "all") + "\r\n";
        var v = Assert.Single(XlVcpuListParser.Parse(text));
        Assert.Equal("guest1", v.Name);
        Assert.Equal("all", v.SoftAffinity);
        Assert.Empty(XlVcpuListParser.Parse(string.Empty));
    }
}
