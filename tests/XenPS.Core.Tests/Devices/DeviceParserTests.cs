using XenPS.Core.Devices;
using XenPS.Core.Execution;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Devices;

/// <summary>xl block-list, network-list, sched-credit2 and xentop -b, on real captures from the lab
/// (Data/xl-captures/devices-xenps, and devices/ from the prototype lab); the device name rules.</summary>
public class DeviceParserTests
{
    private const string Dir = "devices-xenps/";

    [Fact]
    public void BlockListOfAGuestWithAHotAttachedDisk()
    {
        var rows = XlDeviceListParser.ParseBlockList(TestData.Stdout(Dir + "xl-block-list-pvdisk-attached"));
        Assert.Equal(new[] { 51712, 51728 }, rows.Select(r => r.DevId));
        Assert.All(rows, r => Assert.Equal(XenDeviceState.Connected, r.State));
        Assert.Equal("/local/domain/0/backend/vbd/1/51728", rows[1].BackendPath);
        Assert.Equal("vbd", rows[1].BackendKind);
        Assert.Equal((0, 1, 9, "10"), (rows[1].BackendDomainId, rows[1].Handle, rows[1].EventChannel, rows[1].RingRef));
    }

    [Fact]
    public void BlockListWhileTheGuestBootsIsInitialising()
    {
        var row = Assert.Single(XlDeviceListParser.ParseBlockList(TestData.Stdout(Dir + "xl-block-list-pvdisk-booting")));
        Assert.Equal(XenDeviceState.Initialising, row.State);
        Assert.Equal(-1, row.EventChannel);
    }

    [Fact]
    public void BlockListOfAnHvmGuestShowsTheQdiskCdrom()
    {
        var rows = XlDeviceListParser.ParseBlockList(TestData.Stdout("devices/02-hvm-block-list"));
        // the capture also holds xl list and losetup lines: only the block-list rows parse
        Assert.Equal(new[] { (5632, "qdisk"), (768, "vbd") }, rows.Select(r => (r.DevId, r.BackendKind!)));
        Assert.Equal("hdc", XenVdevName(5632));
    }

    private static string XenVdevName(int devId) => new[] { "hda", "hdb", "hdc", "hdd" }.First(v => XenDeviceNames.DevId(v) == devId);

    [Fact]
    public void NetworkListWithTheVifAFailedAttachLeftBehind()
    {
        var rows = XlDeviceListParser.ParseNetworkList(TestData.Stdout("devices/04-network-list-after-fail"));
        Assert.Equal(new[] { 0, 1, 2 }, rows.Select(r => r.DevId));
        Assert.Equal("00:16:3e:00:00:03", rows[2].Mac);
        Assert.Equal(XenDeviceState.Connected, rows[2].State);
        Assert.Equal("1549/1550", rows[2].RingRefs);
    }

    [Fact]
    public void NetworkListBeforeAndAfterAHotAttach()
    {
        var booting = Assert.Single(XlDeviceListParser.ParseNetworkList(TestData.Stdout(Dir + "xl-network-list-pvdisk-booting")));
        Assert.Equal((XenDeviceState.Initialising, "-1/-1"), (booting.State, booting.RingRefs));
        var attached = XlDeviceListParser.ParseNetworkList(TestData.Stdout(Dir + "xl-network-list-pvdisk-attached"));
        Assert.Equal(new[] { "00:16:3e:77:00:03", "00:16:3e:77:00:09" }, attached.Select(r => r.Mac));
        Assert.Equal("/local/domain/0/backend/vif/1/1", attached[1].BackendPath);
    }

    [Fact]
    public void XentopKeepsTheSecondSample()
    {
        var output = TestData.Stdout(Dir + "xentop-b-i2-d1");
        var samples = XentopParser.ParseSamples(output, "xenlab1");
        Assert.Equal(2, samples.Count);
        Assert.All(samples[0], s => Assert.Equal(0.0, s.CpuPercent));
        var last = XentopParser.ParseLastSample(output, "xenlab1");
        Assert.Equal(new[] { "Domain-0", "pvdisk" }, last.Select(s => s.Name));
        var dom0 = last[0];
        Assert.Equal(("-----r", 226L, 25.0, 786432L, 37.5, 786432L, 2), (dom0.State, dom0.CpuSeconds, dom0.CpuPercent, dom0.MemoryKB, dom0.MemoryPercent, dom0.MaxMemoryKB!.Value, dom0.VCpus));
        var g = last[1];
        Assert.Equal((2.3, 131072L, 132096L, 1, 2, 1L, 0L, 2, 0L, 90L, 0L, 216L, 0L), (g.CpuPercent, g.MemoryKB, g.MaxMemoryKB!.Value, g.VCpus, g.Nets, g.NetTxKB, g.NetRxKB, g.Vbds, g.VbdOutOfRequests, g.VbdReads, g.VbdWrites, g.VbdReadSectors, g.VbdWriteSectors));
        Assert.Equal("xenlab1", g.ComputerName);
    }

    [Fact]
    public void AXentopNameThatForgesARowForAnotherDomainAttributesNothingToIt()
    {
        // xentop has no id column: a domain named "victim --b--- 99 ...\nzzz" prints a whole row for "victim" on its own
        // line; the rows of a name that occurs twice belong to neither for sure
        const string header = "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID";
        const string numbers = "        30    2.3     131072    6.3     132096       6.3     1    2        1        0    2        0       90        0        216          0    0";
        var output = header + "\n" +
            "    victim --b---       9999   99.9    9999999   99.9     132096       6.3     1    2        1        0    2        0   999999        0        216          0    0\n" +
            "zzz --b---" + numbers + "\n" +
            "    victim --b---" + numbers + "\n" +
            "     other --b---" + numbers + "\n";
        var rows = XentopParser.ParseLastSample(output, "h");
        Assert.Equal(new[] { "zzz", "other" }, rows.Select(r => r.Name));
    }

    [Fact]
    public void XentopRowWithNoLimitAndAWideName()
    {
        var row = XentopParser.ParseRow("my long guest name --b---         30    2.3     131072    6.3   no limit       n/a     1    2        1        0    2        0       90        0        216          0    0", "h")!;
        Assert.Equal("my long guest name", row.Name);
        Assert.Null(row.MaxMemoryKB);
        Assert.Null(row.MaxMemoryPercent);
        Assert.Equal(131072, row.MemoryKB);
        Assert.Null(XentopParser.ParseRow("      NAME  STATE   CPU(sec)", "h"));
    }

    [Fact]
    public void ASchedLineForgedByADomainNameAttributesNoWeightToAnotherDomain()
    {
        // the domain "a 5 9999 50\nb" (id 2) prints a line claiming weight 9999 and cap 50 for id 5, before id 5's own
        var output = "Cpupool Pool-0: tslice=10ms ratelimit=1000us migration-delay=0us\n" +
            "Name                                ID Weight  Cap\n" +
            "Domain-0                             0    256    0\n" +
            "a 5 9999 50\n" +
            "b                                    2    256    0\n" +
            "victim                               5    256    0\n";
        var list = XlSchedParser.Parse(output, "credit2");
        Assert.Equal(new[] { (0, "Domain-0"), (2, "b") }, list.Select(p => (p.Id, p.Name)));
    }

    [Fact]
    public void SchedCredit2ListsWeightAndCap()
    {
        var all = XlSchedParser.Parse(TestData.Stdout(Dir + "xl-sched-credit2"), "credit2");
        Assert.Contains(all, p => p is { Name: "Domain-0", Id: 0, Weight: 256, Cap: 0 });
        var after = Assert.Single(XlSchedParser.Parse(TestData.Stdout(Dir + "xl-sched-credit2-d-pvdisk-after-set"), "credit2"));
        Assert.Equal(("pvdisk", 1, 512, 50), (after.Name, after.Id, after.Weight, after.Cap));
    }

    [Theory]
    [InlineData("xvda", 51712)]
    [InlineData("xvdb", 51728)]
    [InlineData("xvdb1", 51729)]
    [InlineData("xvdz", 268441856)] // the extended number in the lab's "disk /libxl/7/device/vbd/268441856 does not exist"
    [InlineData("hda", 768)]
    [InlineData("hdc", 5632)]
    [InlineData("sda", 2048)]
    [InlineData("sdb", 2064)]
    public void VdevsGetXlsDeviceNumbers(string vdev, int devId)
    {
        Assert.Equal(devId, XenDeviceNames.DevId(vdev));
        Assert.Equal(vdev, XenDeviceNames.ValidateVdev(vdev));
        if (vdev.StartsWith("xvd", StringComparison.Ordinal)) Assert.Equal(vdev, XenDeviceNames.XvdName(devId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xvd")]
    [InlineData("vda")]
    [InlineData("XVDB")]
    [InlineData("hde")]
    [InlineData("xvdb;reboot")]
    [InlineData("xvdb target=/etc/shadow")]
    [InlineData("../xvdb")]
    [InlineData("51728")]
    public void BadVdevsAreRefusedByName(string vdev)
    {
        var ex = Assert.Throws<XenException>(() => XenDeviceNames.ValidateVdev(vdev));
        Assert.Equal("XenInvalidVdev", ex.ErrorId);
        Assert.Equal(XenErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("xvdb", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:16:3E:12:34:56", "00:16:3e:12:34:56")]
    [InlineData("aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff")]
    public void MacsAreCheckedAndLowerCased(string mac, string expected) => Assert.Equal(expected, XenDeviceNames.ValidateMac(mac));

    [Theory]
    [InlineData("00:16:3e:12:34")]
    [InlineData("00:16:3e:12:34:5")]
    [InlineData("00-16-3e-12-34-56")]
    [InlineData("01:16:3e:12:34:56")] // multicast
    [InlineData("00:16:3e:12:34:56,bridge=evil")]
    public void BadMacsAreRefused(string mac) => Assert.Equal("XenInvalidMacAddress", Assert.Throws<XenException>(() => XenDeviceNames.ValidateMac(mac)).ErrorId);

    [Theory]
    [InlineData("bridge0", true)]
    [InlineData("br-lan.10", true)]
    [InlineData("xenbr0", true)]
    [InlineData("0bridge", false)]
    [InlineData("-bridge", false)]
    [InlineData("bridge0,script=/tmp/x", false)]
    [InlineData("averyveryverylongname", false)]
    [InlineData("bri dge", false)]
    public void BridgeNamesAreInterfaceNames(string bridge, bool valid)
    {
        if (valid) Assert.Equal(bridge, XenDeviceNames.ValidateBridge(bridge));
        else Assert.Equal("XenInvalidBridge", Assert.Throws<XenException>(() => XenDeviceNames.ValidateBridge(bridge)).ErrorId);
    }

    [Theory]
    [InlineData("all", true)]
    [InlineData("0", true)]
    [InlineData("0-3,^2", true)]
    [InlineData("1,3", true)]
    [InlineData("", false)]
    [InlineData("0;reboot", false)]
    [InlineData("-", false)]
    [InlineData("nodes:0", false)]
    public void CpuLists(string cpus, bool valid)
    {
        if (valid) Assert.Equal(cpus, XenDeviceNames.ValidateCpuList(cpus, "hard"));
        else Assert.Equal("XenInvalidCpuList", Assert.Throws<XenException>(() => XenDeviceNames.ValidateCpuList(cpus, "hard")).ErrorId);
    }

    [Fact]
    public void NewMacsAreXenUnicastAddresses()
    {
        var mac = XenDeviceNames.NewMac();
        Assert.StartsWith("00:16:3e:", mac, StringComparison.Ordinal);
        Assert.Equal(mac, XenDeviceNames.ValidateMac(mac));
    }

    [Fact]
    public void TheNextVdevSkipsUsedOnes() =>
        Assert.Equal("xvdc", XenDeviceOperations.NextVdev(new int?[] { 51712, 51728, null }));

    [Fact]
    public void TheAttachSpecPutsTargetLast() =>
        Assert.Equal("format=raw, vdev=xvdb, access=ro, devtype=cdrom, target=/root/a,b.iso",
            new DiskAttachRequest { Target = "/root/a,b.iso", Cdrom = true }.ToSpec("xvdb"));

    [Theory]
    [InlineData("/root/d1.img,")]
    [InlineData("/root/d1.img,,")]
    [InlineData("/dev/zvol/zroot/v,")]
    public void AHostPathEndingInACommaIsRefused(string path)
    {
        // xl strips one trailing ',' from target= (and from the spec cd-insert builds): it would attach /root/d1.img
        var ex = Assert.Throws<XenException>(() => XenDeviceNames.ValidateHostPath(path, "disk target"));
        Assert.Equal("XenInvalidPath", ex.ErrorId);
        Assert.Contains("ends with ','", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/root/d1.img")]
    [InlineData("/root/a,b.iso")]
    [InlineData("/tmp/x, script=/tmp/evil")]
    [InlineData("/tmp/x,backendtype=qdisk,vdev=xvda")]
    [InlineData("/tmp/x=y, target=/etc/shadow")]
    [InlineData("/tmp/ a b ")]
    [InlineData("/tmp/x,")]
    [InlineData("/tmp/x,,")]
    public void XlReadsExactlyTheCheckedTargetFromTheAttachSpec(string path)
    {
        // whatever a path holds, the spec XenPS gives xl block-attach means the path it checked, and nothing more
        bool accepted;
        try { XenDeviceNames.ValidateHostPath(path, "disk target"); accepted = true; }
        catch (XenException) { accepted = false; }
        if (!accepted) return;
        var spec = XenDiskSpec.Parse(new DiskAttachRequest { Target = path }.ToSpec("xvdb"));
        Assert.Equal((path, "xvdb", "raw", (string?)null, (string?)null, (string?)null), (spec.Target, spec.Vdev, spec.Format, spec.Script, spec.BackendType, spec.Backend));
    }

    [Fact]
    public void PvFramebufferVncAndNicIpListFromXlListL()
    {
        const string json = """
        [ { "domid": 3, "config": { "c_info": { "type": "pv", "name": "pvfb" },
            "b_info": { "type.pv": { "kernel": "/k" } },
            "nics": [ { "devid": 0, "mac": "00:16:3e:00:00:01", "bridge": "bridge0", "ip": "10.0.0.1 10.0.0.2" } ],
            "vfbs": [ { "backend_domid": 0, "devid": 0, "vnc": { "enable": "True", "listen": "0.0.0.0", "display": 3, "findunused": "False" }, "sdl": { "enable": "False" } } ] } },
          { "domid": 4, "config": { "c_info": { "type": "hvm", "name": "h" },
            "b_info": { "type.hvm": { "vnc": { "enable": "False" }, "sdl": { "enable": "True" }, "spice": { "enable": "True", "port": 6000, "host": "0.0.0.0", "passwd": "s3cret" } } } } } ]
        """;
        var configs = XlListJsonParser.Parse(json);
        var pv = new XenDomain { Id = 3 };
        XlListJsonParser.Apply(configs[0], pv);
        Assert.Equal(("0.0.0.0", 5903, true), (pv.Vnc!.Listen, pv.Vnc.Port!.Value, pv.Vnc.Enabled!.Value));
        Assert.False(pv.Sdl);
        Assert.Equal(new[] { "10.0.0.1", "10.0.0.2" }, pv.Nics[0].Ip);
        var hvm = new XenDomain { Id = 4 };
        XlListJsonParser.Apply(configs[1], hvm);
        Assert.True(hvm.Sdl);
        Assert.Equal(("0.0.0.0", 6000, true), (hvm.Spice!.Host, hvm.Spice.Port!.Value, hvm.Spice.HasPassword));
        Assert.DoesNotContain("s3cret", hvm.Spice.ToString(), StringComparison.Ordinal);
    }
}
