using Xunit;

namespace XenPS.Core.Tests.Config;

public class XenDomUConfigTests
{
    [Theory]
    [InlineData("handbook-freebsd.cfg")]
    [InlineData("handbook-freebsd-2.cfg")]
    public void ReadsTheFreeBsdHandbookConfig(string name)
    {
        var config = XenDomUConfig.Parse(ConfigFixtures.Text(name), name);
        Assert.Equal("freebsd", config.Name);
        Assert.Equal(XenDomainType.HVM, config.Type);          // builder = "hvm" (deprecated)
        Assert.Equal(1024, config.MemoryMB);
        Assert.Null(config.MaxMemoryMB);
        Assert.Equal(2, config.VCpus);
        Assert.Null(config.MaxVCpus);
        Assert.True(config.Vnc);
        Assert.Equal("0.0.0.0", config.VncListen);
        Assert.Null(config.VncDisplay);
        Assert.Equal("pty", config.Serial);
        Assert.Equal("tablet", config.UsbDevice);
        Assert.Null(config.Uuid);
        Assert.Equal(name, config.Path);

        var vif = Assert.Single(config.Vifs);
        Assert.Equal("00:16:3E:74:34:32", vif.Mac);
        Assert.Equal("bridge0", vif.Bridge);
        Assert.Equal("mac=00:16:3E:74:34:32,bridge=bridge0", vif.OriginalText);
        Assert.Empty(vif.GetProblems());

        Assert.Equal(2, config.Disks.Count);
        var disk = config.Disks[0];
        Assert.Equal("/dev/zvol/tank/xendisk0,raw,hda,rw", disk.OriginalText);
        Assert.Equal("/dev/zvol/tank/xendisk0", disk.Target);
        Assert.Equal("raw", disk.Format);
        Assert.Equal("hda", disk.Vdev);
        Assert.Equal("rw", disk.Access);
        Assert.False(disk.IsCdrom);
        Assert.False(disk.IsReadOnly);
        Assert.Null(disk.ParseError);
        Assert.Equal(0, disk.Index);
        Assert.Equal(6, disk.Line);

        var cd = config.Disks[1];
        Assert.Equal("/root/freebsd.iso", cd.Target);
        Assert.Equal("raw", cd.Format);
        Assert.Equal("hdc", cd.Vdev);                            // "hdc:cdrom": the deprecated devtype suffix
        Assert.Equal("r", cd.Access);
        Assert.True(cd.IsCdrom);
        Assert.True(cd.IsReadOnly);
        Assert.Equal(1, cd.Index);

        var problems = config.Validate();
        Assert.DoesNotContain(problems, p => p.Severity == XenConfigProblemSeverity.Error);
        var warning = Assert.Single(problems);
        Assert.Equal("builder", warning.Key);
        Assert.Equal(1, warning.Line);
        Assert.Contains("deprecated", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>The name in a file names a domain (and its files): Validate reports one that breaks XenPS's name
    /// rule as an error, with the reason, on the name's line; a name that follows it is no problem.</summary>
    [Theory]
    [InlineData("my vm", "name 'my vm' contains white space: XenPS starts no domain of that name")]
    [InlineData("../x", "name '../x' contains '/', which no file name can hold: XenPS starts no domain of that name")]
    [InlineData("7", "name '7' is only digits: xl reads an all-digit name as a domain id: XenPS starts no domain of that name")]
    [InlineData("Domain-0", "name 'Domain-0' is Domain-0, the name of the Dom0 itself: XenPS starts no domain of that name")]
    public void ANameThatBreaksTheRuleIsAnError(string name, string message)
    {
        var config = XenDomUConfig.Parse($"memory = 64\nname = \"{name}\"\n");
        var problem = Assert.Single(config.Validate(), p => p.Severity == XenConfigProblemSeverity.Error);
        Assert.Equal(("name", 2), (problem.Key, problem.Line));
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(XenDomUConfig.Parse("memory = 64\nname = \"web01\"\n").Validate(), p => p.Severity == XenConfigProblemSeverity.Error);
    }

    [Fact]
    public void ReadsTheLabsDeviceConfigs()
    {
        var cd1 = XenDomUConfig.Parse(ConfigFixtures.Text("lab-devices-cd1.cfg"));
        Assert.Equal(XenDomainType.PV, cd1.Type);
        Assert.Equal("cd1", cd1.Name);
        Assert.Equal("/var/lib/xen/guest-vmlinux", cd1.Kernel);
        Assert.Equal("/var/lib/xen/guest-initrd-dev.gz", cd1.Ramdisk);
        Assert.Equal("console=hvc0 rdinit=/sbin/init", cd1.Extra);
        Assert.Equal(("destroy", "restart", "destroy"), (cd1.OnPoweroff, cd1.OnReboot, cd1.OnCrash));
        Assert.Equal(new[] { "xvda", "xvdb" }, cd1.Disks.Select(d => d.Vdev));
        Assert.Equal(new[] { "/root/d1.img", "/root/test.iso" }, cd1.Disks.Select(d => d.Target));
        Assert.Equal(new[] { false, true }, cd1.Disks.Select(d => d.IsCdrom));
        Assert.Equal(new[] { "rw", "ro" }, cd1.Disks.Select(d => d.Access));
        Assert.Empty(cd1.Validate());

        var d1q = XenDomUConfig.Parse(ConfigFixtures.Text("lab-devices-d1q.cfg"));
        Assert.Equal("qdisk", Assert.Single(d1q.Disks).BackendType);

        var n1 = XenDomUConfig.Parse(ConfigFixtures.Text("lab-devices-n1.cfg"));
        var vif = Assert.Single(n1.Vifs);
        Assert.Equal(("00:16:3e:12:34:56", "bridge0"), (vif.Mac, vif.Bridge));
        Assert.Empty(n1.Validate());

        var n2 = XenDomUConfig.Parse(ConfigFixtures.Text("lab-devices-n2.cfg"));
        Assert.Null(Assert.Single(n2.Vifs).Bridge);
        var warning = Assert.Single(n2.Validate());
        Assert.Equal(XenConfigProblemSeverity.Warning, warning.Severity);
        Assert.Contains("xenbr0", warning.Message, StringComparison.Ordinal);
        Assert.Equal(11, warning.Line);

        var hvmcd = XenDomUConfig.Parse(ConfigFixtures.Text("lab-devices-hvmcd.cfg"));
        Assert.Equal(XenDomainType.HVM, hvmcd.Type);
        Assert.Equal("file:/var/log/xen/hvmcd-serial.log", hvmcd.Serial);
        Assert.False(hvmcd.Vnc);
        Assert.Equal("dc", hvmcd.Boot);
        Assert.Equal("host,rdtscp=0", hvmcd.GetString("cpuid"));
        Assert.Equal("0", hvmcd.Get("sdl"));
        Assert.Equal(new[] { "hda", "hdc" }, hvmcd.Disks.Select(d => d.Vdev));
        Assert.Empty(hvmcd.Validate());
    }

    [Fact]
    public void ReadsTheLabsRootfsConfigs()
    {
        var guest2 = XenDomUConfig.Parse(ConfigFixtures.Text("lab-rootfs-guest2.cfg"));
        Assert.Equal(("guest2", 160L, 2), (guest2.Name, guest2.MemoryMB!.Value, guest2.VCpus!.Value));

        var pvh1 = XenDomUConfig.Parse(ConfigFixtures.Text("lab-rootfs-pvh1.cfg"));
        Assert.Equal(XenDomainType.PVH, pvh1.Type);
        Assert.Equal("pvh1", pvh1.Name);
        Assert.Equal("host,rdtscp=0", pvh1.GetString("cpuid"));

        var tiny = XenDomUConfig.Parse(ConfigFixtures.Text("lab-rootfs-tiny-paused.cfg"));
        Assert.Equal((XenDomainType.PVH, 32L), (tiny.Type, tiny.MemoryMB!.Value));

        foreach (var name in ConfigFixtures.ValidNames.Where(n => n.StartsWith("lab-", StringComparison.Ordinal)))
        {
            var config = XenDomUConfig.Parse(ConfigFixtures.Text(name), name);
            Assert.DoesNotContain(config.Validate(), p => p.Severity == XenConfigProblemSeverity.Error);
        }
    }

    [Theory]
    [InlineData("type = \"hvm\"", XenDomainType.HVM)]
    [InlineData("type = \"pvh\"", XenDomainType.PVH)]
    [InlineData("type = \"pv\"", XenDomainType.PV)]
    [InlineData("type = 'h'", XenDomainType.HVM)]     // xl compares with strncmp(value, "hvm", strlen(value))
    [InlineData("type = \"\"", XenDomainType.HVM)]    // ... so the empty string is a prefix of "hvm"
    [InlineData("type = \"p\"", XenDomainType.PV)]
    [InlineData("type = \"HVM\"", XenDomainType.Unknown)]
    [InlineData("type = \"xen\"", XenDomainType.Unknown)]
    [InlineData("builder = \"hvm\"", XenDomainType.HVM)]
    [InlineData("builder = \"generic\"", XenDomainType.PV)]
    [InlineData("builder = \"linux\"", XenDomainType.Unknown)]
    [InlineData("type = \"pvh\"\nbuilder = \"hvm\"", XenDomainType.PVH)]
    [InlineData("memory = 1", XenDomainType.PV)]      // xl's default on x86
    [InlineData("type = [ 'hvm' ]", XenDomainType.PV)] // a list: xl ignores it
    public void TypeFollowsXl(string text, XenDomainType expected)
    {
        Assert.Equal(expected, XenDomUConfig.Parse(text).Type);
    }

    [Theory]
    [InlineData("memory = 128\n", "name", "name is missing")]
    [InlineData("name = [ 'a' ]\n", "name", "single string")]
    [InlineData("name = ''\n", "name", "name is empty")]
    [InlineData("name = 'a'\nmemory = 0\n", "memory", "memory must be positive")]
    [InlineData("name = 'a'\nmemory = \"-5\"\n", "memory", "memory must be positive")]
    [InlineData("name = 'a'\nmemory = 'lots'\n", "memory", "not a number")]
    [InlineData("name = 'a'\nmemory = 12abc\n", "memory", "not a number")]
    [InlineData("name = 'a'\nmemory = 1024\nmaxmem = 512\n", "maxmem", "maxmem (512 MB) is less than memory (1024 MB)")]
    [InlineData("name = 'a'\nmemory = 1\nmemory += 2\n", "memory", "'+='")]
    [InlineData("name = 'a'\nmemory = [ 1 ]\n", "memory", "not a list")]
    [InlineData("name = 'a'\nvcpus = 0\n", "vcpus", "vcpus must be positive")]
    [InlineData("name = 'a'\nvcpus = 4\nmaxvcpus = 2\n", "maxvcpus", "maxvcpus (2) is less than vcpus (4)")]
    [InlineData("name = 'a'\ntype = 'xen'\n", "type", "unknown type \"xen\"")]
    [InlineData("name = 'a'\nbuilder = 'linux'\n", "builder", "unknown builder")]
    [InlineData("name = 'a'\ntype = 'pv'\nbuilder = 'hvm'\n", "builder", "contradict")]
    [InlineData("name = 'a'\nuuid = 'not-a-uuid'\n", "uuid", "not a valid UUID")]
    [InlineData("name = 'a'\non_crash = 'reboot'\n", "on_crash", "is not one of")]
    [InlineData("name = 'a'\ndisk = [ 'format=raw, target=/dev/x' ]\n", "disk", "has no vdev")]
    [InlineData("name = 'a'\ndisk = [ 'vdev=xvda' ]\n", "disk", "has no target")]
    [InlineData("name = 'a'\ndisk = [ '/a,raw,xvda,w', '/b,raw,xvda,w' ]\n", "disk", "uses vdev xvda, like disk 0")]
    [InlineData("name = 'a'\ndisk = [ '/dev/zvol/zroot/a,xvda,w' ]\n", "disk", "unknown value for format")]
    [InlineData("name = 'a'\ndisk = [ 'format=raw,vdev=xvda,size=10G,target=/a' ]\n", "disk", "unknown parameter")]
    [InlineData("name = 'a'\ndisk = '/a,raw,xvda,w'\n", "disk", "single value but should be a list")]
    [InlineData("name = 'a'\ndisk = [ [ '/a,raw,xvda,w' ] ]\n", "disk", "xl stops reading disk there")]
    [InlineData("name = 'a'\nvif = [ 'bridge=bridge0,speed=10G' ]\n", "vif", "unrecognized argument `speed'")]
    [InlineData("name = 'a'\nvif = [ 'bridge=bridge0,mac=00:16:3e:zz:00:01' ]\n", "vif", "invalid mac")]
    [InlineData("name = 'a'\nvif = [ 'bridge=bridge0,type=tap' ]\n", "vif", "invalid type")]
    public void ValidateListsTheProblems(string text, string key, string fragment)
    {
        var problems = XenDomUConfig.Parse(text).Validate();
        Assert.Contains(problems, p => p.Severity == XenConfigProblemSeverity.Error && p.Key == key && p.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateFlagsCrlfAndPreBallooning()
    {
        var problems = XenDomUConfig.Parse("name = 'a'\r\ntype = 'hvm'\r\nmemory = 1024\r\nmaxmem = 2048\r\n").Validate();
        Assert.Contains(problems, p => p.Severity == XenConfigProblemSeverity.Error && p.Message.Contains("CRLF", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Severity == XenConfigProblemSeverity.Warning && p.Key == "maxmem" && p.Line == 4);
    }

    [Fact]
    public void AValidConfigHasNoProblems()
    {
        var config = XenDomUConfig.Create("web01", XenDomainType.PVH, 512, 2);
        config.Kernel = "/boot/kernel";
        config.AddDisk("format=raw, vdev=xvda, access=rw, target=/dev/zvol/zroot/web01");
        config.AddVif("bridge=bridge0");
        config.Uuid = new Guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        Assert.Empty(config.Validate());
        Assert.Equal(new Guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), config.Uuid);
        Assert.Contains("uuid = \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SerialAndUsbDeviceMayBeLists()
    {
        var config = XenDomUConfig.Parse("serial = [ 'pty', 'file:/tmp/s2' ]\nusbdevice = [ 'tablet', 'host:1234:5678' ]\n");
        Assert.Equal("pty", config.Serial);
        Assert.Equal("tablet", config.UsbDevice);
        Assert.Equal(new[] { "pty", "file:/tmp/s2" }, config.GetStringList("serial"));
        config.Serial = "vc";
        Assert.Equal("serial = \"vc\"\nusbdevice = [ 'tablet', 'host:1234:5678' ]\n", config.ToString());
    }

    [Fact]
    public void SettingANullPropertyRemovesTheKey()
    {
        var config = XenDomUConfig.Parse(ConfigFixtures.Text("handbook-freebsd.cfg"));
        config.UsbDevice = null;
        config.VncListen = null;
        config.Vnc = null;
        Assert.DoesNotContain("usbdevice", config.Keys);
        Assert.DoesNotContain("vnc", config.Keys);
        Assert.EndsWith("]\nserial = \"pty\"\n", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateRefusesNonsense()
    {
        Assert.Throws<ArgumentException>(() => XenDomUConfig.Create("", XenDomainType.HVM, 512, 1));
        Assert.Throws<ArgumentException>(() => XenDomUConfig.Create("a", XenDomainType.Unknown, 512, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => XenDomUConfig.Create("a", XenDomainType.HVM, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => XenDomUConfig.Create("a", XenDomainType.HVM, 512, 0));
    }

    [Fact]
    public void ListEditsOnAStringKeyAreRefused()
    {
        var config = XenDomUConfig.Parse("disk = '/a,raw,xvda,w'\n");
        Assert.Empty(config.Disks);
        Assert.Throws<InvalidOperationException>(() => config.AddDisk("/b,raw,xvdb,w"));
        Assert.Throws<ArgumentOutOfRangeException>(() => config.RemoveDiskAt(0));
    }
}
