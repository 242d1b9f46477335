using System.Globalization;
using System.Text.RegularExpressions;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>xl info and xl info -n: the lab captures and synthetic old/new Xen outputs.</summary>
public class XlInfoParserTests
{
    public static TheoryData<string> InfoCaptures => CaptureCatalog.TheoryWithSmoke(XlOutputKind.Info);

    private static readonly Regex OracleKey = new("^[a-z][a-z0-9_ ]*[a-z0-9_]$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Independent oracle for "%-23s: %s": a key line has ':' at column 24 and a lowercase key before it; any other
    /// line belongs to the table (xl info -n) the previous key line opened.
    /// </summary>
    private static List<KeyValuePair<string, string>> Oracle(string stdout)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var line in stdout.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n'))
        {
            if (line.Length >= 24 && line[23] == ':' && OracleKey.IsMatch(line[..23].TrimEnd()))
            {
                list.Add(new(line[..23].TrimEnd(), line.Length > 25 ? line[25..].TrimEnd() : string.Empty));
            }
            else if (line.Trim().Length > 0)
            {
                var last = list[^1];
                list[^1] = new(last.Key, last.Value.Length == 0 ? line.TrimEnd() : last.Value + "\n" + line.TrimEnd());
            }
        }
        return list;
    }

    [Fact]
    public void TheCatalogFindsEveryXlInfoCapture() =>
        Assert.Superset(new HashSet<string> { "xl-info", "xl-info-n" }, new HashSet<string>(CaptureCatalog.Names(XlOutputKind.Info)));

    [Theory]
    [MemberData(nameof(InfoCaptures))]
    public void EveryCapturedXlInfoParsesLikeTheOracle(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        var expected = Oracle(stdout);
        var map = XlInfoParser.ParseMap(stdout);
        Assert.Equal(expected.Select(kv => kv.Key).Order(StringComparer.Ordinal), map.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected) Assert.Equal(value, map[key]);

        var host = XlInfoParser.Parse(stdout, "lab");
        var o = expected.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("lab", host.ComputerName);
        Assert.Equal(o["host"], host.HostName);
        Assert.Equal(o["release"], host.Release);
        Assert.Equal(o["version"], host.KernelVersion);
        Assert.Equal(o["machine"], host.Machine);
        Assert.Equal(o["xen_version"], host.XenVersion);
        Assert.Equal(o["xen_major"] + "." + o["xen_minor"] + o["xen_extra"], host.XenVersion);
        Assert.Equal(int.Parse(o["nr_cpus"], CultureInfo.InvariantCulture), host.NrCpus);
        Assert.Equal(double.Parse(o["cpu_mhz"], CultureInfo.InvariantCulture), host.CpuMHz);
        Assert.Equal(long.Parse(o["total_memory"], CultureInfo.InvariantCulture), host.TotalMemoryMB);
        Assert.Equal(long.Parse(o["free_memory"], CultureInfo.InvariantCulture), host.FreeMemoryMB);
        Assert.Equal(o["virt_caps"].Split(' '), host.VirtCaps.Capabilities);
        Assert.Equal(o["xen_scheduler"], host.Scheduler);
        Assert.Equal(o["xen_commandline"], host.XenCommandLine);
        Assert.Equal(o["xen_caps"], host.XenCaps);
        Assert.Equal<IEnumerable<KeyValuePair<string, string>>>(map, host.Info);
    }

    [Fact]
    public void XlInfo_EveryTypedProperty()
    {
        var h = XlInfoParser.Parse(TestData.Stdout("xl-info"));
        Assert.Equal("localhost", h.ComputerName);
        Assert.Equal("xen-dom0", h.HostName);
        Assert.Equal("xen-dom0", h.ToString());
        Assert.Equal("6.1.0-56-amd64", h.Release);
        Assert.Equal("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)", h.KernelVersion);
        Assert.Equal("x86_64", h.Machine);
        Assert.Equal("4.17.7", h.XenVersion);
        Assert.Equal(2, h.NrCpus);
        Assert.Equal(2250.006, h.CpuMHz);
        Assert.Equal(4095, h.TotalMemoryMB);
        Assert.Equal(3028, h.FreeMemoryMB);
        Assert.Equal(new[] { "pv", "hvm", "hap", "gnttab-v1", "gnttab-v2" }, h.VirtCaps.Capabilities);
        Assert.True(h.VirtCaps.PV);
        Assert.True(h.VirtCaps.HVM);
        Assert.True(h.VirtCaps.HAP);
        Assert.False(h.VirtCaps.HvmDirectIO);
        Assert.False(h.VirtCaps.Iommu);
        Assert.False(h.VirtCaps.PvDirectIO);
        Assert.False(h.VirtCaps.Shadow);
        Assert.True(h.VirtCaps.Has("GNTTAB-V2"));
        Assert.Equal("pv hvm hap gnttab-v1 gnttab-v2", h.VirtCaps.ToString());
        Assert.Equal("credit2", h.Scheduler);
        Assert.Equal("dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot smap=0", h.XenCommandLine);
        Assert.Equal("xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", h.XenCaps); // trailing space trimmed

        Assert.Equal(34, h.Info.Count);
        Assert.Equal(string.Empty, h.Info["xen_changeset"]); // "xen_changeset          : " (empty)
        Assert.Equal("1fcbf3fd:f6d8320b:ec500800:00000077:00000005:018843a9:0000020c:00000000", h.Info["hw_caps"]);
        Assert.Equal("virt_start=0xffff800000000000", h.Info["platform_params"]);
        Assert.Equal("Wed Nov  4 16:52:28 UTC 2026", h.Info["cc_compile_date"]);
        Assert.Equal("x86_64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0", h.Info["cc_compiler"]);
        Assert.Equal("151b373fd64b321593bf987fd923cd10dabadac4", h.Info["build_id"]);
        Assert.Equal("4", h.Info["xend_config_format"]);
        Assert.Equal("0", h.Info["outstanding_claims"]);
        Assert.Equal(".7", h.Info["xen_extra"]);
        Assert.Equal("host", h.Info.Keys.First());
        Assert.Equal("xend_config_format", h.Info.Keys.Last());
    }

    [Fact]
    public void XlInfoN_TablesStayWithTheKeyThatOpensThem()
    {
        var h = XlInfoParser.Parse(TestData.Stdout("xl-info-n"));
        Assert.Equal("4.17.7", h.XenVersion);
        Assert.Equal(3028, h.FreeMemoryMB);
        Assert.Equal(4095, h.TotalMemoryMB);
        Assert.True(h.VirtCaps.HVM);
        Assert.Equal("cpu:    core    socket     node\n  0:       0        0        0\n  1:       1        0        0", h.Info["cpu_topology"]);
        Assert.Equal("device           node\nNo device topology data available", h.Info["device topology"]);
        Assert.Equal("node:    memsize    memfree    distances\n   0:      6144       3028      10", h.Info["numa_info"]);
        Assert.Equal("0", h.Info["free_cpus"]);
        Assert.Equal("4", h.Info["xen_major"]);
        Assert.Equal(37, h.Info.Count);

        // Everything xl info prints is in xl info -n with the same value.
        var plain = XlInfoParser.Parse(TestData.Stdout("xl-info"));
        foreach (var key in plain.Info.Keys) Assert.Equal(plain.Info[key], h.Info[key]);
    }

    private static string Lines(params (string Key, string Value)[] lines) =>
        string.Join("\n", lines.Select(l => XlFormat.InfoLine(l.Key, l.Value))) + "\n";

    [Fact]
    public void Synthetic_Xen47_VersionFromMajorMinorExtra()
    {
        // Xen 4.7 style: no xen_version key, cpu_mhz without decimals, virt_caps "hvm hvm_directio".
        var text = Lines(
            ("host", "oldbox"), ("release", "3.16.0-4-amd64"), ("version", "#1 SMP Debian 3.16.7"), ("machine", "x86_64"),
            ("nr_cpus", "8"), ("max_cpu_id", "7"), ("nr_nodes", "1"), ("cores_per_socket", "4"), ("threads_per_core", "2"),
            ("cpu_mhz", "2394"), ("hw_caps", "bfebfbff:2c100800:00000000:00007f00:77fafbff:00000000:00000121:000027ab"),
            ("virt_caps", "hvm hvm_directio"), ("total_memory", "32733"), ("free_memory", "128"), ("sharing_freed_memory", "0"),
            ("sharing_used_memory", "0"), ("outstanding_claims", "0"), ("free_cpus", "0"), ("xen_major", "4"), ("xen_minor", "7"),
            ("xen_extra", ".6"), ("xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "),
            ("xen_scheduler", "credit"), ("xen_pagesize", "4096"), ("platform_params", "virt_start=0xffff800000000000"),
            ("xen_changeset", ""), ("xen_commandline", "placeholder dom0_mem=2048M,max:2048M"), ("cc_compiler", "gcc (Debian 4.9.2-10) 4.9.2"),
            ("cc_compile_by", "ijackson"), ("cc_compile_domain", "chiark.greenend.org.uk"), ("cc_compile_date", "Tue Jun 11 17:34:19 UTC 2019"),
            ("xend_config_format", "4"));
        var h = XlInfoParser.Parse(text);
        Assert.False(h.Info.ContainsKey("xen_version"));
        Assert.Equal("4.7.6", h.XenVersion);
        Assert.Equal("oldbox", h.HostName);
        Assert.Equal(8, h.NrCpus);
        Assert.Equal(2394.0, h.CpuMHz);
        Assert.Equal(32733, h.TotalMemoryMB);
        Assert.Equal(128, h.FreeMemoryMB);
        Assert.True(h.VirtCaps.HVM);
        Assert.True(h.VirtCaps.HvmDirectIO);
        Assert.True(h.VirtCaps.Iommu);
        Assert.False(h.VirtCaps.HAP);
        Assert.False(h.VirtCaps.PV);
        Assert.Equal("credit", h.Scheduler);
        Assert.Equal("placeholder dom0_mem=2048M,max:2048M", h.XenCommandLine);
        Assert.Equal(32, h.Info.Count);
    }

    [Fact]
    public void Synthetic_VersionWithoutExtraAndMissingParts()
    {
        Assert.Equal("4.19", XlInfoParser.Parse(Lines(("xen_major", "4"), ("xen_minor", "19"))).XenVersion);
        Assert.Null(XlInfoParser.Parse(Lines(("xen_major", "4"))).XenVersion);
        var empty = XlInfoParser.Parse(string.Empty);
        Assert.Null(empty.XenVersion);
        Assert.Null(empty.HostName);
        Assert.Null(empty.NrCpus);
        Assert.Null(empty.CpuMHz);
        Assert.Empty(empty.VirtCaps.Capabilities);
        Assert.False(empty.VirtCaps.HVM);
        Assert.Empty(empty.Info);
        Assert.Equal("localhost", empty.ToString());
    }

    [Fact]
    public void Synthetic_UnknownKeysLongKeysAndOddValuesAreKept()
    {
        var text = "xl: warning: something printed before the keys\n"
            + Lines(("host", "h"), ("future_key", "value: with: colons "), ("virt_caps", "pv hvm hvm_directio pv_directio hap shadow iommu_hap_pt_share vmtrace vpmu gnttab-v1 gnttab-v2"),
                ("nr_cpus", "not-a-number"), ("total_memory", ""), ("xen_version", "4.21.0-rc1"))
            + "a_really_long_future_key_name: v1\n" // 29 characters: "%-23s" pads nothing
            + "xenstore_features      : 00000001\r\n"
            + "\n";
        var h = XlInfoParser.Parse(text);
        Assert.Equal("value: with: colons", h.Info["future_key"]);
        Assert.Equal("v1", h.Info["a_really_long_future_key_name"]);
        Assert.Equal("00000001", h.Info["xenstore_features"]);
        Assert.Equal(string.Empty, h.Info["total_memory"]);
        Assert.Null(h.TotalMemoryMB);
        Assert.Null(h.NrCpus);
        Assert.Equal("4.21.0-rc1", h.XenVersion);
        Assert.True(h.VirtCaps.Iommu);
        Assert.True(h.VirtCaps.PvDirectIO);
        Assert.True(h.VirtCaps.Shadow);
        Assert.True(h.VirtCaps.HAP);
        Assert.True(h.VirtCaps.Has("vmtrace"));
        Assert.Equal(8, h.Info.Count);
        Assert.DoesNotContain(h.Info.Keys, k => k.StartsWith("xl", StringComparison.Ordinal));
    }

    [Fact]
    public void Synthetic_XlInfoKeyPrintsJustTheValue()
    {
        // `xl info free_memory` prints "2995" alone: not a key line, nothing parsed, nothing thrown.
        Assert.Empty(XlInfoParser.ParseMap("2995\n"));
    }
}
