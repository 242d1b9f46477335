using System.Text.Json;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>xl list -l (JSON) from the lab captures, plus synthetic variants.</summary>
public class XlListJsonParserTests
{
    public static TheoryData<string> AllJsonCaptures => CaptureCatalog.TheoryWithSmoke(XlOutputKind.ListJson);

    private static string? OracleString(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Number ? e.GetRawText() : null;
    }

    [Fact]
    public void TheCatalogFindsEveryXlListLCapture()
    {
        Assert.Superset(new HashSet<string> { "devices/05-list-l-n1", "xl-list-l", "xl-list-l-guest1", "xl-list-l-hvm1", "xl-list-long-json" }, new HashSet<string>(CaptureCatalog.Names(XlOutputKind.ListJson)));
        Assert.Contains("smoke/list-json", CaptureCatalog.SmokeNames(XlOutputKind.ListJson));
        Assert.Equal("xl -f list -l", TestData.Command("xl-list-long-json"));
    }

    /// <summary>Oracle: System.Text.Json's own reading of each array element's domid and config.c_info / b_info.</summary>
    [Theory]
    [MemberData(nameof(AllJsonCaptures))]
    public void EveryCapturedXlListLParsesLikeTheOracle(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        using var doc = JsonDocument.Parse(stdout);
        var entries = doc.RootElement.EnumerateArray().ToList();
        var parsed = XlListJsonParser.Parse(stdout);

        Assert.NotEmpty(entries);
        Assert.Equal(entries.Count, parsed.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var p = parsed[i];
            Assert.Equal(e.GetProperty("domid").GetInt32(), p.DomId);
            Assert.Equal(OracleString(e, "config", "c_info", "name"), p.Name);
            Assert.Equal(OracleString(e, "config", "c_info", "uuid") is { } u ? Guid.Parse(u) : null, p.Uuid);
            Assert.Equal(OracleString(e, "config", "c_info", "type")!.ToUpperInvariant(), p.Type.ToString().ToUpperInvariant());
            Assert.Equal(OracleString(e, "config", "b_info", "max_memkb"), p.MaxMemoryKB?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(OracleString(e, "config", "b_info", "target_memkb"), p.TargetMemoryKB?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(OracleString(e, "config", "b_info", "max_vcpus"), p.MaxVCpus?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(OracleString(e, "config", "b_info", "kernel"), p.Kernel);
            Assert.Equal(OracleString(e, "config", "b_info", "ramdisk"), p.Ramdisk);
            Assert.Equal(OracleString(e, "config", "b_info", "cmdline"), p.Cmdline);
            var config = e.GetProperty("config");
            Assert.Equal(config.TryGetProperty("disks", out var disks) ? disks.GetArrayLength() : 0, p.Disks.Count);
            Assert.Equal(config.TryGetProperty("nics", out var nics) ? nics.GetArrayLength() : 0, p.Nics.Count);
            Assert.Equal((OracleString(config, "on_reboot") ?? "restart").Replace('_', '-'), p.OnReboot);
            Assert.NotNull(p.Json);
            Assert.True(JsonReformat.SameJson(Masked(config), p.Json));
        }

        // keepJson: false reads the same values and leaves Json null.
        var lean = XlListJsonParser.Parse(stdout, keepJson: false);
        Assert.All(lean, c => Assert.Null(c.Json));
        Assert.Equal(JsonReformat.Snapshot(parsed), JsonReformat.Snapshot(lean));
    }

    [Fact]
    public void XlListL_Dom0()
    {
        var c = Assert.Single(XlListJsonParser.Parse(TestData.Stdout("xl-list-l")));
        Assert.Equal(0, c.DomId);
        Assert.Equal("Domain-0", c.Name);
        Assert.Null(c.Uuid); // all-zero uuid is the default: omitted
        Assert.Equal(XenDomainType.PV, c.Type);
        Assert.Equal(1048576, c.MaxMemoryKB);
        Assert.Equal(1048575, c.TargetMemoryKB);
        Assert.Null(c.MaxVCpus);
        Assert.Null(c.AvailableVCpus);
        Assert.Null(c.Kernel);
        Assert.Empty(c.Disks);
        Assert.Empty(c.Nics);
        Assert.Null(c.Vnc);
        Assert.Equal(("destroy", "restart", "destroy"), (c.OnPoweroff, c.OnReboot, c.OnCrash));
        Assert.Equal(JsonReformat.Snapshot(new[] { c }), JsonReformat.Snapshot(XlListJsonParser.Parse(TestData.Stdout("xl-list-long-json"))));
    }

    [Fact]
    public void XlListLGuest1_PvGuest()
    {
        var c = Assert.Single(XlListJsonParser.Parse(TestData.Stdout("xl-list-l-guest1")));
        Assert.Equal(1, c.DomId);
        Assert.Equal("guest1", c.Name);
        Assert.Equal(Guid.Parse("890fbdea-8c5b-4103-b72b-8f663dc81512"), c.Uuid);
        Assert.Equal(XenDomainType.PV, c.Type);
        Assert.Equal(131072, c.MaxMemoryKB);
        Assert.Equal(131072, c.TargetMemoryKB);
        Assert.Equal(1, c.MaxVCpus);
        Assert.Equal(1, c.AvailableVCpus);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", c.Kernel);
        Assert.Equal("/var/lib/xen/guest-initrd.gz", c.Ramdisk);
        Assert.Equal("console=hvc0 rdinit=/sbin/init", c.Cmdline);
        Assert.Empty(c.Disks);
        Assert.Empty(c.Nics);
        Assert.Null(c.Vnc);
        Assert.Null(c.Serial);
        Assert.Null(c.Boot);
        Assert.Equal("destroy", c.OnPoweroff); // default: omitted
        Assert.Equal("restart", c.OnReboot);
        Assert.Equal("destroy", c.OnCrash);
        Assert.StartsWith("{", c.Json, StringComparison.Ordinal);
        Assert.Contains("\"c_info\"", c.Json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"domid\": 1,", c.Json, StringComparison.Ordinal); // the config, not the wrapper
    }

    [Fact]
    public void XlListLHvm1_HvmGuest()
    {
        var c = Assert.Single(XlListJsonParser.Parse(TestData.Stdout("xl-list-l-hvm1")));
        Assert.Equal(5, c.DomId);
        Assert.Equal("hvm1", c.Name);
        Assert.Equal(Guid.Parse("04869af3-5c10-4619-876c-3880a6d32898"), c.Uuid);
        Assert.Equal(XenDomainType.HVM, c.Type);
        Assert.Equal(131072, c.MaxMemoryKB);
        Assert.Equal(1, c.MaxVCpus);
        Assert.Null(c.Kernel);
        Assert.Null(c.Cmdline);
        Assert.NotNull(c.Vnc);
        Assert.False(c.Vnc.Enabled); // "enable": "False"
        Assert.Null(c.Vnc.Listen);
        Assert.Null(c.Vnc.Display);
        Assert.Null(c.Vnc.Port);
        Assert.Null(c.Vnc.FindUnused);
        Assert.False(c.Vnc.HasPassword);
        Assert.Equal("off", c.Vnc.ToString());
        Assert.Equal("pty", c.Serial);
        Assert.Equal("c", c.Boot);
        Assert.Empty(c.Disks);
        Assert.Equal("restart", c.OnReboot);
    }

    [Fact]
    public void DevicesListLN1_DiskAndNic()
    {
        var c = Assert.Single(XlListJsonParser.Parse(TestData.Stdout("devices/05-list-l-n1")));
        Assert.Equal(9, c.DomId);
        Assert.Equal("n1", c.Name);
        Assert.Equal(Guid.Parse("d752ce17-e638-4022-b40e-d42591195751"), c.Uuid);
        Assert.Equal(XenDomainType.PV, c.Type);
        Assert.Equal("/var/lib/xen/guest-vmlinux", c.Kernel);
        Assert.Equal("/var/lib/xen/guest-initrd-dev.gz", c.Ramdisk);

        var disk = Assert.Single(c.Disks);
        Assert.Equal("/root/d1.img", disk.Target);
        Assert.Equal("xvdb", disk.Vdev);
        Assert.Equal("raw", disk.Format);
        Assert.Null(disk.BackendType); // "unknown" is the default: omitted
        Assert.True(disk.ReadWrite);
        Assert.False(disk.IsCdrom);
        Assert.Equal("xvdb=/root/d1.img", disk.ToString());

        var nic = Assert.Single(c.Nics);
        Assert.Equal(0, nic.DevId);
        Assert.Equal("00:16:3e:12:34:56", nic.Mac);
        Assert.Equal("bridge0", nic.Bridge);
        Assert.Equal("vif", nic.Type);
        Assert.Null(nic.Model);
        Assert.Null(nic.VifName);
        Assert.Empty(nic.Ip);
        Assert.Null(nic.Script);
        Assert.Equal("00:16:3e:12:34:56@bridge0", nic.ToString());
    }

    [Fact]
    public void ApplyMergesTheConfigIntoTheXlListDomain()
    {
        var domains = XlListParser.Parse(TestData.Stdout("xl-list-paused"));
        var config = Assert.Single(XlListJsonParser.Parse(TestData.Stdout("xl-list-l-guest1")));
        Assert.Equal(domains[1].Id, config.DomId);
        XlListJsonParser.Apply(config, domains[1]);

        var d = domains[1];
        Assert.True(d.IsDetailed);
        Assert.Equal("guest1", d.Name);
        Assert.Equal(Guid.Parse("890fbdea-8c5b-4103-b72b-8f663dc81512"), d.Uuid);
        Assert.Equal(XenDomainType.PV, d.Type);
        Assert.Equal(128, d.MaxMemoryMB);
        Assert.Equal(128, d.TargetMemoryMB);
        Assert.Equal(1, d.MaxVCpus);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", d.Kernel);
        Assert.Equal("/var/lib/xen/guest-initrd.gz", d.Ramdisk);
        Assert.Equal("console=hvc0 rdinit=/sbin/init", d.KernelCommandLine);
        Assert.Empty(d.Disks);
        Assert.Equal(("destroy", "restart", "destroy"), (d.OnPoweroff, d.OnReboot, d.OnCrash));
        Assert.Equal(config.Json, d.ConfigJson);
        // xl list's own values stay.
        Assert.Equal(XenDomainState.Paused, d.State);
        Assert.Equal(128, d.MemoryMB);
    }

    [Fact]
    public void Synthetic_DomainInXlListButMissingFromTheJson()
    {
        // xl list -l silently skips a domain whose configuration libxl can't retrieve (here: Dom0 missing).
        var domains = XlListParser.Parse(TestData.Stdout("xl-list-paused"));
        var configs = XlListJsonParser.Parse(TestData.Stdout("xl-list-l-guest1")).ToDictionary(c => c.DomId);
        foreach (var d in domains)
        {
            if (configs.TryGetValue(d.Id, out var c)) XlListJsonParser.Apply(c, d);
        }
        Assert.False(domains[0].IsDetailed);
        Assert.Null(domains[0].Uuid);
        Assert.Equal(XenDomainType.Unknown, domains[0].Type);
        Assert.Null(domains[0].ConfigJson);
        Assert.Equal("Domain-0", domains[0].Name);
        Assert.True(domains[1].IsDetailed);
    }

    [Fact]
    public void Synthetic_ApplyKeepsTheXlListUuidWhenTheJsonHasNone()
    {
        var d = Assert.Single(XlListParser.Parse(TestData.Stdout("xl-list-v")));
        d.Uuid = Guid.Parse("11111111-2222-3333-4444-555555555555");
        XlListJsonParser.Apply(Assert.Single(XlListJsonParser.Parse(TestData.Stdout("xl-list-l"))), d);
        Assert.Equal(Guid.Parse("11111111-2222-3333-4444-555555555555"), d.Uuid);
        Assert.Equal(1024, d.MaxMemoryMB);
        Assert.Equal(1023, d.TargetMemoryMB); // 1048575 KiB
    }

    public static TheoryData<string, string?, string, bool> JsonCLayouts => new()
    {
        // capture, indent, colon, escape '/'
        { "xl-list-l-guest1", "  ", ": ", false },
        { "xl-list-l-guest1", "\t", ": ", false },
        { "xl-list-l-guest1", "  ", ":", true },
        { "xl-list-l-guest1", null, ":", false },
        { "xl-list-l-hvm1", "  ", ": ", false },
        { "xl-list-l-hvm1", "\t", ":", true },
        { "devices/05-list-l-n1", "  ", ": ", false },
        { "devices/05-list-l-n1", "\t", ": ", true },
        { "devices/05-list-l-n1", null, ":", true },
        { "xl-list-l", "  ", ": ", false },
    };

    [Theory]
    [MemberData(nameof(JsonCLayouts))]
    public void Synthetic_Xen421JsonCWhitespaceGivesIdenticalResults(string capture, string? indent, string colon, bool escapeSlashes)
    {
        var yajl = TestData.Stdout(capture);
        var jsonC = JsonReformat.Print(yajl, indent, colon, escapeSlashes);
        Assert.NotEqual(yajl, jsonC);
        if (indent == "  ") Assert.Contains("\n  {\n    \"domid\"" + colon, jsonC, StringComparison.Ordinal);
        if (escapeSlashes && yajl.Contains('/', StringComparison.Ordinal)) Assert.Contains("\\/", jsonC, StringComparison.Ordinal);

        var expected = XlListJsonParser.Parse(yajl);
        var actual = XlListJsonParser.Parse(jsonC);
        Assert.Equal(JsonReformat.Snapshot(expected), JsonReformat.Snapshot(actual));
        Assert.NotEmpty(JsonReformat.Snapshot(actual));
        for (var i = 0; i < expected.Count; i++) Assert.True(JsonReformat.SameJson(expected[i].Json!, actual[i].Json!));
    }

    [Fact]
    public void Synthetic_UnknownKeysEverywhereAreIgnored()
    {
        var json = TestData.Stdout("devices/05-list-l-n1")
            .Replace("\"domid\": 9,", "\"domid\": 9, \"future_wrapper\": {\"a\": [1, 2, {\"b\": null}]},", StringComparison.Ordinal)
            .Replace("\"type\": \"pv\",", "\"type\": \"pv\", \"new_c_info_flag\": \"True\", \"weird\": [],", StringComparison.Ordinal)
            .Replace("\"max_vcpus\": 1,", "\"max_vcpus\": 1, \"numa_nodes\": [{\"cpus\": [0, 1], \"memkb\": 1024}], \"type.future\": {\"x\": 1},", StringComparison.Ordinal)
            .Replace("\"vdev\": \"xvdb\",", "\"vdev\": \"xvdb\", \"trusted\": \"True\", \"specification\": \"xen\",", StringComparison.Ordinal)
            .Replace("\"devid\": 0,", "\"devid\": 0, \"mtu\": 1500, \"vlan\": \"\",", StringComparison.Ordinal)
            .Replace("\"on_reboot\": \"restart\",", "\"on_reboot\": \"restart\", \"virtios\": [{\"type\": \"virtio,device22\"}], \"on_watchdog\": \"destroy\",", StringComparison.Ordinal);
        Assert.Contains("future_wrapper", json, StringComparison.Ordinal);
        Assert.Contains("virtios", json, StringComparison.Ordinal);
        Assert.Contains("\"mtu\"", json, StringComparison.Ordinal);
        Assert.Equal(
            JsonReformat.Snapshot(XlListJsonParser.Parse(TestData.Stdout("devices/05-list-l-n1"))),
            JsonReformat.Snapshot(XlListJsonParser.Parse(json)));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\n]\n")]
    [InlineData("[ ]")]
    [InlineData("")]
    [InlineData("\n")]
    public void Synthetic_EmptyOutputGivesNoDomains(string json) => Assert.Empty(XlListJsonParser.Parse(json));

    [Fact]
    public void Synthetic_SxpOutputIsRejectedWithAHint()
    {
        var ex = Assert.Throws<FormatException>(() => XlListJsonParser.Parse("(domain\n    (domid 1)\n    (create_info)\n)\n"));
        Assert.Contains("output_format", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synthetic_DefaultBooleansAreNull()
    {
        const string json = """
            [
                {
                    "domid": 7,
                    "config": {
                        "c_info": { "type": "hvm", "name": "hvm7", "hap": "<default>" },
                        "b_info": {
                            "type.hvm": {
                                "vnc": { "enable": "<default>", "findunused": "<default>", "listen": "0.0.0.0", "display": 3, "passwd": "secret" },
                                "serial_list": [ "pty", "file:/tmp/s" ],
                                "boot": "dc"
                            }
                        },
                        "on_crash": "coredump_destroy",
                        "on_poweroff": "preserve",
                        "on_reboot": "rename_restart"
                    }
                }
            ]
            """;
        var c = Assert.Single(XlListJsonParser.Parse(json));
        Assert.Equal(XenDomainType.HVM, c.Type);
        Assert.NotNull(c.Vnc);
        Assert.Null(c.Vnc.Enabled);
        Assert.Null(c.Vnc.FindUnused);
        Assert.Equal("0.0.0.0", c.Vnc.Listen);
        Assert.Equal(3, c.Vnc.Display);
        Assert.Equal(5903, c.Vnc.Port);
        Assert.True(c.Vnc.HasPassword);
        Assert.Equal("0.0.0.0:3", c.Vnc.ToString());
        Assert.Equal("pty", c.Serial); // first of serial_list
        Assert.Equal("dc", c.Boot);
        Assert.Equal("coredump-destroy", c.OnCrash);
        Assert.Equal("preserve", c.OnPoweroff);
        Assert.Equal("rename-restart", c.OnReboot);
    }

    [Theory]
    [InlineData("\"True\"", true)]
    [InlineData("\"False\"", false)]
    [InlineData("\"<default>\"", null)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("\"maybe\"", null)]
    [InlineData("null", null)]
    public void Synthetic_DefboolSpellings(string value, bool? expected)
    {
        var json = "[{\"domid\": 1, \"config\": {\"c_info\": {\"type\": \"hvm\", \"name\": \"h\"}, \"b_info\": {\"type.hvm\": {\"vnc\": {\"enable\": " + value + "}}}}}]";
        Assert.Equal(expected, Assert.Single(XlListJsonParser.Parse(json)).Vnc!.Enabled);
    }

    [Fact]
    public void Synthetic_TypeFromTheBInfoUnionWhenCInfoHasNone()
    {
        const string json = """
            [
              { "domid": 2, "config": { "c_info": { "name": "p" }, "b_info": { "type.pvh": { } } } },
              { "domid": 3, "config": { "c_info": { "name": "h" }, "b_info": { "type.hvm": { "boot": "c" } } } },
              { "domid": 4, "config": { "c_info": { "name": "v" }, "b_info": { "type.pv": { } } } },
              { "domid": 5, "config": { "c_info": { "name": "u" }, "b_info": { } } },
              { "domid": 6, "config": { "c_info": { "name": "x", "type": "PVH" } } }
            ]
            """;
        var c = XlListJsonParser.Parse(json);
        Assert.Equal(new[] { XenDomainType.PVH, XenDomainType.HVM, XenDomainType.PV, XenDomainType.Unknown, XenDomainType.PVH }, c.Select(x => x.Type));
        Assert.Equal(new[] { 2, 3, 4, 5, 6 }, c.Select(x => x.DomId));
    }

    [Fact]
    public void Synthetic_OldXenKeptKernelUnderTypePv()
    {
        // Xen before 4.10: kernel, ramdisk and cmdline in b_info."type.pv"; numbers sometimes as strings.
        const string json = """
            [{"domid": 3, "config": {"c_info": {"type": "pv", "name": "old", "uuid": "not-a-uuid"},
              "b_info": {"max_memkb": "262144", "max_vcpus": 2, "avail_vcpus": [0, 1],
                         "type.pv": {"kernel": "/boot/vmlinuz", "ramdisk": "/boot/initrd", "cmdline": "root=/dev/xvda1"}},
              "disks": [{"pdev_path": "/dev/vg/old", "vdev": "xvda", "backend": "phy", "format": "raw"},
                        {"pdev_path": "/iso/x.iso", "vdev": "hdc", "is_cdrom": 1, "backend": "qdisk", "readwrite": 0}],
              "nics": [{"devid": 0, "mac": "00:16:3e:00:00:01", "bridge": "xenbr0", "model": "e1000", "ifname": "vif-old", "ip": "10.0.0.2", "script": "vif-bridge", "nictype": "vif_ioemu"}]}}]
            """;
        var c = Assert.Single(XlListJsonParser.Parse(json));
        Assert.Equal("/boot/vmlinuz", c.Kernel);
        Assert.Equal("/boot/initrd", c.Ramdisk);
        Assert.Equal("root=/dev/xvda1", c.Cmdline);
        Assert.Null(c.Uuid);
        Assert.Equal(262144, c.MaxMemoryKB);
        Assert.Equal(2, c.MaxVCpus);
        Assert.Equal(2, c.AvailableVCpus);
        Assert.Equal(2, c.Disks.Count);
        Assert.False(c.Disks[0].ReadWrite); // readwrite omitted = 0
        Assert.Equal("phy", c.Disks[0].BackendType);
        Assert.True(c.Disks[1].IsCdrom);
        Assert.Equal("qdisk", c.Disks[1].BackendType);
        var nic = Assert.Single(c.Nics);
        Assert.Equal(("e1000", "vif-old", "10.0.0.2", "vif-bridge", "vif_ioemu"), (nic.Model!, nic.VifName!, string.Join(" ", nic.Ip), nic.Script!, nic.Type!));
    }

    [Fact]
    public void Synthetic_BareConfigWithoutTheDomidWrapper()
    {
        // `xl -N create` and old single-domain forms print one libxl_domain_config object.
        const string json = "{\"c_info\": {\"type\": \"pvh\", \"name\": \"dry\"}, \"b_info\": {\"max_memkb\": 524288}, \"on_reboot\": \"restart\"}";
        var c = Assert.Single(XlListJsonParser.Parse(json));
        Assert.Equal(0, c.DomId);
        Assert.Equal("dry", c.Name);
        Assert.Equal(XenDomainType.PVH, c.Type);
        Assert.Equal(524288, c.MaxMemoryKB);
        Assert.True(JsonReformat.SameJson(json, c.Json!));
    }

    [Fact]
    public void Synthetic_OddShapesDoNotCrash()
    {
        const string json = """
            [
              42, "text", null,
              { "domid": "1", "config": [] },
              { "domid": 99999999999, "config": { "c_info": "x", "b_info": [], "disks": {}, "nics": [ { }, 3, null, [ ] ] } },
              { "domid": 8, "config": { "c_info": { "name": 5, "uuid": 7 }, "b_info": { "max_memkb": 1.5, "max_vcpus": 99999999999, "avail_vcpus": 3, "type.hvm": { "vnc": "on", "serial_list": [ 1, "vc" ] } }, "disks": [ "xvda", { "vdev": "xvdb", "readwrite": true } ] } },
              { "domid": { "nested": [ 1 ] }, "config": { "c_info": { "name": "after-odd-domid" } } },
            ]
            """;
        var c = XlListJsonParser.Parse(json);
        Assert.Equal(4, c.Count);
        Assert.Equal(0, c[0].DomId);
        Assert.Equal(0, c[1].DomId);
        Assert.Single(c[1].Nics);
        Assert.Equal("5", c[2].Name);
        Assert.Null(c[2].Uuid);
        Assert.Null(c[2].MaxMemoryKB);
        Assert.Null(c[2].MaxVCpus);
        Assert.Null(c[2].AvailableVCpus);
        Assert.Null(c[2].Vnc);
        Assert.Equal("vc", c[2].Serial);
        Assert.Equal(XenDomainType.HVM, c[2].Type);
        var disk = Assert.Single(c[2].Disks); // the string "xvda" is no disk object
        Assert.Equal("xvdb", disk.Vdev);
        Assert.False(disk.ReadWrite); // readwrite must be an int
        Assert.Equal((0, "after-odd-domid"), (c[3].DomId, c[3].Name));
    }

    /// <summary>The config's raw text, as a JSON DOM would give it (JsonElement.GetRawText), with the value of every
    /// "passwd" member (libxl_vnc_info.passwd, libxl_spice_info.passwd) replaced by the mask: what Json must be.</summary>
    private static List<string> RawConfigs(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => Masked(e.GetProperty("config"))).ToList();
    }

    private static string Masked(JsonElement config)
    {
        var raw = config.GetRawText();
        foreach (var value in PasswordValues(config))
            raw = raw.Replace("\"passwd\": " + JsonSerializer.Serialize(value), "\"passwd\": \"********\"", StringComparison.Ordinal);
        return raw;
    }

    private static IEnumerable<string> PasswordValues(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "passwd" && p.Value.ValueKind == JsonValueKind.String) yield return p.Value.GetString()!;
                foreach (var v in PasswordValues(p.Value)) yield return v;
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
                foreach (var v in PasswordValues(item)) yield return v;
        }
    }

    [Theory]
    [InlineData("secrets/xl-list-l-spice", "Sp1ceS3cr")]
    [InlineData("secrets/xl-list-l-secrets", "Sp1ceS3cr", "PvS3cr3t", "HvS3cr3t")]
    public void JsonNeverCarriesAPasswordAndStaysValidJson(string name, params string[] passwords)
    {
        var stdout = CaptureCatalog.Stdout(name);
        foreach (var password in passwords) Assert.Contains("\"passwd\": \"" + password + "\"", stdout, StringComparison.Ordinal);
        var parsed = XlListJsonParser.Parse(stdout);
        var masks = 0;
        foreach (var c in parsed)
        {
            foreach (var password in passwords) Assert.DoesNotContain(password, c.Json!, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(c.Json!); // still valid JSON
            masks += PasswordValues(doc.RootElement).Count(v => v == "********");
        }
        Assert.Equal(passwords.Length, masks);
        // The HVM VNC password is seen, not shown; a domain read again from the masked JSON still has one.
        if (passwords.Contains("HvS3cr3t"))
        {
            var hvm = parsed.Single(c => c.Name == "sechvm");
            Assert.True(hvm.Vnc!.HasPassword);
            Assert.True(Assert.Single(XlListJsonParser.Parse("[{\"domid\": 8, \"config\": " + hvm.Json + "}]")).Vnc!.HasPassword);
        }
    }

    [Theory]
    [MemberData(nameof(AllJsonCaptures))]
    public void JsonIsTheConfigTextExactlyAsXlPrintedIt(string name)
    {
        var stdout = CaptureCatalog.Stdout(name);
        Assert.Equal(RawConfigs(stdout), XlListJsonParser.Parse(stdout).Select(c => c.Json!));
    }

    [Fact]
    public void Synthetic_NonAsciiTextKeepsItsExactJson()
    {
        // Not pure ASCII: byte offsets are no longer char offsets, the text must still be cut right.
        // The name as real UTF-8 characters; the command line with JSON-escaped quotes (motd=\"été\") and an emoji.
        var json = TestData.Stdout("xl-list-l-guest1")
            .Replace("\"guest1\"", "\"g\u00e4st-\u65e5\u672c\"", StringComparison.Ordinal)
            .Replace("rdinit=/sbin/init", "rdinit=/sbin/init lang=fr_FR.UTF-8 motd=\\\"été\\\" 🐧", StringComparison.Ordinal);
        Assert.Contains("motd=\\\"été\\\"", json, StringComparison.Ordinal);
        var c = Assert.Single(XlListJsonParser.Parse(json));
        Assert.Equal("gäst-日本", c.Name);
        Assert.Equal("console=hvc0 rdinit=/sbin/init lang=fr_FR.UTF-8 motd=\"été\" 🐧", c.Cmdline);
        Assert.Equal(Assert.Single(RawConfigs(json)), c.Json);
        Assert.EndsWith("}", c.Json, StringComparison.Ordinal);
        Assert.Equal(1, c.DomId);
    }

    [Fact]
    public void Synthetic_ManyDomainsAllParsed()
    {
        // 500 entries cycling through the three captured guests, each with its own domid, name and uuid.
        var templates = new[] { "xl-list-l-guest1", "xl-list-l-hvm1", "devices/05-list-l-n1" }
            .Select(n => System.Text.Json.Nodes.JsonNode.Parse(TestData.Stdout(n))!.AsArray()[0]!).ToArray();
        var array = new System.Text.Json.Nodes.JsonArray();
        for (var i = 0; i < 500; i++)
        {
            var e = templates[i % 3].DeepClone();
            e["domid"] = i + 1;
            e["config"]!["c_info"]!["name"] = "vm" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            e["config"]!["c_info"]!["uuid"] = new Guid(i, 0, 0, new byte[8]).ToString();
            array.Add(e);
        }
        var json = array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var c = XlListJsonParser.Parse(json);
        Assert.Equal(500, c.Count);
        Assert.Equal(Enumerable.Range(1, 500), c.Select(x => x.DomId));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => "vm" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), c.Select(x => x.Name));
        Assert.Equal(new Guid(499, 0, 0, new byte[8]), c[499].Uuid);
        Assert.Equal(XenDomainType.HVM, c[1].Type);
        Assert.Equal("pty", c[1].Serial);
        Assert.Equal("xvdb", Assert.Single(c[2].Disks).Vdev);
        Assert.Equal(RawConfigs(json), c.Select(x => x.Json!));
    }

    [Fact]
    public void Synthetic_DuplicateKeysLastOneCounts()
    {
        const string json = """
            [{"domid": 1, "domid": 2, "config": {
              "c_info": {"name": "first", "type": "pv", "uuid": "890fbdea-8c5b-4103-b72b-8f663dc81512"},
              "c_info": {"name": "second"},
              "b_info": {"max_memkb": 1, "type.hvm": {"boot": "d", "serial": "pty"}, "max_memkb": 2, "type.hvm": {"boot": "c"}},
              "disks": [{"vdev": "xvda"}], "disks": [{"vdev": "xvdb"}, {"vdev": "xvdc"}],
              "on_reboot": "destroy", "on_reboot": "preserve"}}]
            """;
        var c = Assert.Single(XlListJsonParser.Parse(json));
        Assert.Equal(2, c.DomId);
        Assert.Equal("second", c.Name);
        Assert.Null(c.Uuid); // the second c_info has none
        Assert.Equal(XenDomainType.HVM, c.Type); // no c_info type: from type.hvm
        Assert.Equal(2, c.MaxMemoryKB);
        Assert.Equal("c", c.Boot);
        Assert.Null(c.Serial);
        Assert.Equal(new[] { "xvdb", "xvdc" }, c.Disks.Select(d => d.Vdev));
        Assert.Equal("preserve", c.OnReboot);
    }

    [Theory]
    [InlineData("[{\"domid\": 1}")] // truncated
    [InlineData("[{\"domid\": 1}] trailing")]
    [InlineData("[{\"domid\": 1}] [2]")]
    [InlineData("{\"domid\": }")]
    [InlineData("[{\"domid\" 1}]")]
    public void Synthetic_InvalidJsonThrowsJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => XlListJsonParser.Parse(json));

    [Fact]
    public void Synthetic_CommentsAndTrailingCommasAreAccepted()
    {
        var c = Assert.Single(XlListJsonParser.Parse("[ /* xl */ {\"domid\": 4, \"config\": {\"c_info\": {\"name\": \"x\",},},}, ] // end\n"));
        Assert.Equal((4, "x"), (c.DomId, c.Name));
    }

    [Theory]
    [InlineData("pv", XenDomainType.PV)]
    [InlineData("PVH", XenDomainType.PVH)]
    [InlineData("hvm", XenDomainType.HVM)]
    [InlineData("invalid", XenDomainType.Unknown)]
    [InlineData(null, XenDomainType.Unknown)]
    public void Synthetic_ParseType(string? text, XenDomainType expected) => Assert.Equal(expected, XlListJsonParser.ParseType(text));
}
