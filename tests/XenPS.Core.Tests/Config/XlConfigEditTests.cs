using XenPS.Core.Config;
using Xunit;

namespace XenPS.Core.Tests.Config;

/// <summary>Edits change only what they must: golden texts, and every result parses again to itself.</summary>
public class XlConfigEditTests
{
    private const string Handbook = """
        builder = "hvm"
        name = "freebsd"
        memory = 1024
        vcpus = 2
        vif = [ 'mac=00:16:3E:74:34:32,bridge=bridge0' ]
        disk = [ '/dev/zvol/tank/xendisk0,raw,hda,rw',
        '/root/freebsd.iso,raw,hdc:cdrom,r'
        ]
        vnc = 1
        vnclisten = "0.0.0.0"
        serial = "pty"
        usbdevice = "tablet"

        """;

    private static XenDomUConfig Load(string text) => XenDomUConfig.Parse(text);

    private static void AssertText(string expected, XenDomUConfig config)
    {
        var actual = config.ToString();
        Assert.Equal(expected, actual);
        Assert.Equal(actual, XlConfigDocument.Parse(actual).ToString());
    }

    [Fact]
    public void HandbookFixtureIsTheTextUsedHere()
    {
        Assert.Equal(Handbook, ConfigFixtures.Text("handbook-freebsd.cfg"));
    }

    [Fact]
    public void SettingAnExistingKeyChangesOnlyItsValue()
    {
        var config = Load(Handbook);
        config.MemoryMB = 2048;
        config.Serial = "file:/var/log/xen/freebsd-serial.log";
        AssertText(Handbook
            .Replace("memory = 1024", "memory = 2048", StringComparison.Ordinal)
            .Replace("serial = \"pty\"", "serial = \"file:/var/log/xen/freebsd-serial.log\"", StringComparison.Ordinal), config);
    }

    [Fact]
    public void SettingANewKeyAppendsALineAtTheEnd()
    {
        var config = Load(Handbook);
        config.OnCrash = "preserve";
        config.MaxVCpus = 4;
        AssertText(Handbook + "on_crash = \"preserve\"\nmaxvcpus = 4\n", config);
    }

    [Fact]
    public void ReplacedValuesKeepTheirQuoteAndNumberStyle()
    {
        var config = Load("name = 'old' # single quotes\nmemory = 0x400\nvcpus = 02\nmaxmem = \"2048\"\n");
        config.Name = "it's new";
        config.MemoryMB = 2048;
        config.VCpus = 8;
        config.MaxMemoryMB = 4096;
        AssertText("name = 'it\\'s new' # single quotes\nmemory = 0x800\nvcpus = 010\nmaxmem = \"4096\"\n", config);
        Assert.Equal("it's new", config.Name);
        Assert.Equal(8, config.VCpus);
    }

    [Fact]
    public void NewStringsAreEscaped()
    {
        var config = Load("name = \"x\"\n");
        config.Extra = "init=\"/sbin/my init\" path=C:\\dir\nnext";
        AssertText("name = \"x\"\nextra = \"init=\\\"/sbin/my init\\\" path=C:\\\\dir\\nnext\"\n", config);
        Assert.Equal("init=\"/sbin/my init\" path=C:\\dir\nnext", XenDomUConfig.Parse(config.ToString()).Extra);
    }

    [Fact]
    public void AFileWithoutFinalNewlineKeepsItsStyle()
    {
        var config = Load("name = \"nofinal\"\nmemory = 128\nvcpus = 1");
        config.Kernel = "/boot/kernel";
        AssertText("name = \"nofinal\"\nmemory = 128\nvcpus = 1\nkernel = \"/boot/kernel\"", config);
        config.Remove("kernel");
        AssertText("name = \"nofinal\"\nmemory = 128\nvcpus = 1", config);
        config.Remove("vcpus");
        AssertText("name = \"nofinal\"\nmemory = 128", config);
    }

    [Fact]
    public void AppendingAfterALastLineCommentAddsTheLineBreakXlNeeds()
    {
        var config = Load("name = \"x\"\n# last line, no line break");
        config.MemoryMB = 256;
        AssertText("name = \"x\"\n# last line, no line break\nmemory = 256", config);
        Assert.Empty(config.Document.GetCompatibilityIssues());
    }

    [Fact]
    public void RemovingTheLastLineDoesNotGlueAComment()
    {
        var config = Load("name = \"x\"\n# about memory\nmemory = 128");
        config.Remove("memory");
        AssertText("name = \"x\"\n# about memory\n", config);
    }

    [Fact]
    public void CrlfFilesGetCrlfLines()
    {
        var config = Load("name = \"crlf\"\r\n# comment\r\nmemory = 256\r\n");
        config.VCpus = 2;
        config.AddDisk("format=raw, vdev=xvda, access=rw, target=/dev/zvol/zroot/crlf");
        AssertText("name = \"crlf\"\r\n# comment\r\nmemory = 256\r\nvcpus = 2\r\ndisk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/zvol/zroot/crlf' ]\r\n", config);
    }

    [Fact]
    public void RemovingAKeyTakesItsLineAndSameLineComment()
    {
        var config = Load("# guest\nname = \"web01\"\n\n# memory in MB\nmemory = 1024   # one gigabyte\nmaxmem = 2048\n");
        Assert.True(config.Remove("memory"));
        AssertText("# guest\nname = \"web01\"\n\n# memory in MB\nmaxmem = 2048\n", config);
        Assert.False(config.Remove("memory"));
    }

    [Theory]
    [InlineData("name = 'a'; memory = 1; vcpus = 2\n", "memory", "name = 'a'; vcpus = 2\n")]
    [InlineData("name = 'a'; memory = 1; vcpus = 2\n", "name", "memory = 1; vcpus = 2\n")]
    [InlineData("name = 'a'; memory = 1; vcpus = 2\n", "vcpus", "name = 'a'; memory = 1\n")]
    [InlineData("name = 'a'; memory = 1;\n", "memory", "name = 'a';\n")]
    [InlineData("  memory = 1 ; name = 'a' # c\n", "memory", "  name = 'a' # c\n")]
    [InlineData("memory = 1\nmemory = 2\nname = 'a'\n", "memory", "name = 'a'\n")]
    public void RemovingAKeyInsideASemicolonLineKeepsTheRest(string text, string key, string expected)
    {
        var config = Load(text);
        Assert.True(config.Remove(key));
        AssertText(expected, config);
    }

    [Fact]
    public void SettingAKeyBuiltWithAppendReplacesTheChain()
    {
        var config = Load("extra = \"console=hvc0\"\n# more\nextra += \" root=/dev/xvda1\"\nextra += ' quiet'\nname = 'x'\n");
        Assert.Equal("console=hvc0 root=/dev/xvda1 quiet", config.Extra);
        config.Extra = "console=ttyS0";
        AssertText("extra = \"console=ttyS0\"\n# more\nname = 'x'\n", config);
    }

    [Fact]
    public void SettingAKeyAssignedTwiceChangesTheOneXlReads()
    {
        var config = Load("memory = 512 # old\nmemory = 1024 # wins\n");
        Assert.Equal(1024, config.MemoryMB);
        config.MemoryMB = 2048;
        AssertText("memory = 512 # old\nmemory = 2048 # wins\n", config);
    }

    [Fact]
    public void TypeReplacesTheDeprecatedBuilderInPlace()
    {
        var config = Load(Handbook);
        Assert.Equal(XenDomainType.HVM, config.Type);
        config.Type = XenDomainType.HVM;
        AssertText(Handbook.Replace("builder = \"hvm\"", "type = \"hvm\"", StringComparison.Ordinal), config);

        var both = Load("type = \"pv\"\nbuilder = \"generic\"\nname = \"x\"\n");
        both.Type = XenDomainType.PVH;
        AssertText("type = \"pvh\"\nname = \"x\"\n", both);
    }

    [Fact]
    public void AddingADiskToTheHandbookListFollowsItsLayout()
    {
        var config = Load(Handbook);
        config.AddDisk(new XenDiskSpec { Format = "raw", Vdev = "hdb", Access = "rw", Target = "/dev/zvol/tank/xendisk1" });
        AssertText(Handbook.Replace(
            "'/root/freebsd.iso,raw,hdc:cdrom,r'\n]",
            "'/root/freebsd.iso,raw,hdc:cdrom,r',\n'format=raw, vdev=hdb, access=rw, target=/dev/zvol/tank/xendisk1'\n]", StringComparison.Ordinal), config);
        Assert.Equal(new[] { "hda", "hdc", "hdb" }, config.Disks.Select(d => d.Vdev));
    }

    [Fact]
    public void RemovingTheHandbookCdromTakesItsLine()
    {
        var config = Load(Handbook);
        Assert.True(config.RemoveDisk("hdc"));
        AssertText(Handbook.Replace("'/root/freebsd.iso,raw,hdc:cdrom,r'\n", string.Empty, StringComparison.Ordinal), config);
        Assert.Equal("hda", Assert.Single(config.Disks).Vdev);
    }

    [Fact]
    public void RemovingTheFirstHandbookDiskKeepsTheSecondAsWritten()
    {
        var config = Load(Handbook);
        config.RemoveDiskAt(0);
        AssertText(Handbook.Replace("disk = [ '/dev/zvol/tank/xendisk0,raw,hda,rw',\n", "disk = [\n", StringComparison.Ordinal), config);
    }

    [Theory]
    [InlineData("disk = [ 'a,raw,xvda,w' ]\n", "disk = [ 'a,raw,xvda,w', 'b,raw,xvdb,w' ]\n")]
    [InlineData("disk = ['a,raw,xvda,w','c,raw,xvdc,w']\n", "disk = ['a,raw,xvda,w','c,raw,xvdc,w','b,raw,xvdb,w']\n")]
    [InlineData("disk = [ \"a,raw,xvda,w\", ]\n", "disk = [ \"a,raw,xvda,w\", \"b,raw,xvdb,w\", ]\n")]
    [InlineData("disk = []\n", "disk = ['b,raw,xvdb,w']\n")]
    [InlineData("disk = [ ]\n", "disk = [ 'b,raw,xvdb,w' ]\n")]
    [InlineData("disk = [\n]\n", "disk = [\n    'b,raw,xvdb,w'\n]\n")]
    [InlineData("disk = [\n    'a,raw,xvda,w',\n]\n", "disk = [\n    'a,raw,xvda,w',\n    'b,raw,xvdb,w',\n]\n")]
    [InlineData("disk = [\n  'a,raw,xvda,w' # root\n]\n", "disk = [\n  'a,raw,xvda,w', # root\n  'b,raw,xvdb,w'\n]\n")]
    [InlineData("disk = [\n\t'a,raw,xvda,w', # root\n\t]\n", "disk = [\n\t'a,raw,xvda,w', # root\n\t'b,raw,xvdb,w',\n\t]\n")]
    [InlineData("name = 'x'\n", "name = 'x'\ndisk = [ 'b,raw,xvdb,w' ]\n")]
    [InlineData("disk = [ 'a,raw,xvda,w' ]\ndisk += [ 'c,raw,xvdc,w' ]\n", "disk = [ 'a,raw,xvda,w' ]\ndisk += [ 'c,raw,xvdc,w', 'b,raw,xvdb,w' ]\n")]
    public void AddingADiskFollowsTheListLayout(string text, string expected)
    {
        var config = Load(text);
        config.AddDisk("b,raw,xvdb,w");
        AssertText(expected, config);
    }

    [Theory]
    [InlineData("disk = [ 'a', 'b', 'c' ]\n", 0, "disk = [ 'b', 'c' ]\n")]
    [InlineData("disk = [ 'a', 'b', 'c' ]\n", 1, "disk = [ 'a', 'c' ]\n")]
    [InlineData("disk = [ 'a', 'b', 'c' ]\n", 2, "disk = [ 'a', 'b' ]\n")]
    [InlineData("disk = [ 'a' ]\n", 0, "disk = [ ]\n")]
    [InlineData("disk = ['a','b']\n", 1, "disk = ['a']\n")]
    [InlineData("disk = [ 'a', 'b', ]\n", 1, "disk = [ 'a', ]\n")]
    [InlineData("disk = [\n    'a', # first\n    # about b\n    'b', # second\n    'c'\n]\n", 1, "disk = [\n    'a', # first\n    # about b\n    'c'\n]\n")]
    [InlineData("disk = [\n    'a',\n    'b'\n]\n", 1, "disk = [\n    'a',\n]\n")]
    [InlineData("disk = [ 'a' ]\ndisk += [ 'b', 'c' ]\n", 1, "disk = [ 'a' ]\ndisk += [ 'c' ]\n")]
    public void RemovingAListElementKeepsTheRest(string text, int index, string expected)
    {
        var config = Load(text);
        config.Document.RemoveListItem("disk", index);
        AssertText(expected, config);
    }

    [Fact]
    public void EditingTheCommentedFixtureKeepsEveryComment()
    {
        var text = ConfigFixtures.Text("synthetic-comments-everywhere.cfg");
        var config = Load(text);
        config.RemoveDiskAt(1);
        config.AddDisk(new XenDiskSpec { Format = "raw", Vdev = "xvdb", Access = "rw", Target = "/dev/zvol/zroot/web01-data" });
        config.MemoryMB = 4096;
        config.Remove("maxmem");
        config.SetVif(0, new XenVifSpec { Bridge = "bridge0", Mac = "00:16:3e:00:00:02" });
        var expected = text
            .Replace("memory=2048#no blanks at all", "memory=4096#no blanks at all", StringComparison.Ordinal)
            .Replace("maxmem = 4096 ;# a semicolon then a comment\n", string.Empty, StringComparison.Ordinal)
            .Replace("    '/root/FreeBSD-14.2-RELEASE-amd64-disc1.iso,raw,hdc:cdrom,r', # cd\n", string.Empty, StringComparison.Ordinal)
            .Replace("   # root\n", "   # root\n    'format=raw, vdev=xvdb, access=rw, target=/dev/zvol/zroot/web01-data',\n", StringComparison.Ordinal)
            .Replace("\"mac=00:16:3e:00:00:01,bridge=bridge0,model=e1000\"", "\"bridge=bridge0,mac=00:16:3e:00:00:02\"", StringComparison.Ordinal);
        AssertText(expected, config);
    }

    [Fact]
    public void UnchangedDisksAreWrittenAsTheyWereAndChangedOnesCanonically()
    {
        var config = Load(Handbook);
        var cd = config.Disks[1];
        Assert.False(cd.IsModified);
        Assert.Equal("/root/freebsd.iso,raw,hdc:cdrom,r", cd.ToString());
        config.SetDisk(1, cd);
        AssertText(Handbook, config);

        cd.Target = "/root/FreeBSD-14.2-RELEASE-amd64-disc1.iso";
        Assert.True(cd.IsModified);
        config.SetDisk(1, cd);
        AssertText(Handbook.Replace(
            "'/root/freebsd.iso,raw,hdc:cdrom,r'",
            "'format=raw, vdev=hdc, access=r, devtype=cdrom, target=/root/FreeBSD-14.2-RELEASE-amd64-disc1.iso'", StringComparison.Ordinal), config);
    }

    [Fact]
    public void CreateWritesXlsUsualStyle()
    {
        var config = XenDomUConfig.Create("web01", XenDomainType.HVM, 1024, 2);
        AssertText("name = \"web01\"\ntype = \"hvm\"\nmemory = 1024\nvcpus = 2\n", config);
        config.AddDisk(new XenDiskSpec { Format = "raw", Vdev = "xvda", Access = "rw", Target = "/dev/zvol/zroot/web01" });
        config.AddDisk(new XenDiskSpec { Format = "raw", Vdev = "hdc", Access = "r", IsCdrom = true, Target = "/root/install.iso" });
        config.AddVif(new XenVifSpec { Bridge = "bridge0" });
        config.Vnc = true;
        config.VncListen = "0.0.0.0";
        config.Serial = "pty";
        config.OnCrash = "destroy";
        AssertText("""
            name = "web01"
            type = "hvm"
            memory = 1024
            vcpus = 2
            disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/zvol/zroot/web01', 'format=raw, vdev=hdc, access=r, devtype=cdrom, target=/root/install.iso' ]
            vif = [ 'bridge=bridge0' ]
            vnc = 1
            vnclisten = "0.0.0.0"
            serial = "pty"
            on_crash = "destroy"

            """, config);
        Assert.DoesNotContain(config.Validate(), p => p.Severity == XenConfigProblemSeverity.Error);
    }

    [Fact]
    public void GenericSetWritesEveryKindOfValue()
    {
        var config = XenDomUConfig.Create("g", XenDomainType.PVH, 256, 1);
        config.Set("kernel", "/boot/vmlinuz");
        config.Set("hap", true);
        config.Set("viridian", false);
        config.Set("maxmem", 512L);
        config.Set("cpus", new[] { "0-3", "5" });
        config.Set("vnuma", new object[] { new[] { "pnode=0", "size=512" }, new[] { "pnode=1" } });
        config.Set("offset", -1);
        AssertText("""
            name = "g"
            type = "pvh"
            memory = 256
            vcpus = 1
            kernel = "/boot/vmlinuz"
            hap = 1
            viridian = 0
            maxmem = 512
            cpus = [ '0-3', '5' ]
            vnuma = [ [ 'pnode=0', 'size=512' ], [ 'pnode=1' ] ]
            offset = "-1"

            """, config);
        Assert.Equal(-1, config.GetNumber("offset"));
        config.Set("cpus", null);
        Assert.False(config.Contains("cpus"));
        Assert.Throws<ArgumentException>(() => config.Set("Bad-Key", 1));
        Assert.Throws<ArgumentException>(() => config.Set("obj", new object()));
        Assert.Throws<ArgumentException>(() => config.Set("nul", "a\0b"));
    }
}
