using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>Every parameter is checked before anything is read or written; hostile values are refused clearly.</summary>
public class Dom0RequestTests
{
    private static XenException Refused(Dom0Request r)
    {
        var ex = Assert.Throws<XenException>(() => r.Validate());
        Assert.Equal("XenInvalidArgument", ex.ErrorId);
        Assert.Equal(XenErrorKind.InvalidArgument, ex.Kind);
        return ex;
    }

    [Theory]
    [InlineData("8192", 8192)]
    [InlineData("8192M", 8192)]
    [InlineData("8192m", 8192)]
    [InlineData("8G", 8192)]
    [InlineData("512", 512)]
    [InlineData("4096G", 4194304)]
    public void MemoryIsAnIntegerOfMiBOrHasAUnit(string text, long mb) =>
        Assert.Equal(mb, new Dom0Request { Dom0Memory = text }.Validate().Dom0MemoryMB);

    [Theory]
    [InlineData("8G; reboot")]
    [InlineData("8192M\nxen_kernel=\"/tmp/evil\"")]
    [InlineData("8192M\n")]
    [InlineData("$(reboot)")]
    [InlineData("8192M dom0=pv")]
    [InlineData("8 G")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("8T")]
    [InlineData("0x2000")]
    [InlineData("8192K")]
    [InlineData("lots")]
    [InlineData("99999999999")]
    public void HostileOrMalformedMemoryIsRefused(string text)
    {
        var ex = Refused(new Dom0Request { Dom0Memory = text });
        Assert.Contains("-Dom0Memory", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("5000G")]
    public void MemoryOutOfBoundsIsRefused(string text) =>
        Assert.Contains("out of range", Refused(new Dom0Request { Dom0Memory = text }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(513)]
    public void VCpusOutOfRangeAreRefused(int vcpus) =>
        Assert.Contains("-Dom0VCpus", Refused(new Dom0Request { Dom0VCpus = vcpus }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("em0; reboot")]
    [InlineData("em 0")]
    [InlineData("em0\"")]
    [InlineData("em0'")]
    [InlineData("em0\n")]
    [InlineData("$(id)")]
    [InlineData("EM0")]
    [InlineData("0em")]
    [InlineData("")]
    [InlineData("averyverylongnic0")]
    [InlineData("bridge0")]
    [InlineData("lo0")]
    [InlineData("tap0")]
    public void HostileInterfaceNamesAreRefused(string nic) =>
        Assert.Contains("-BridgeInterface", Refused(new Dom0Request { BridgeInterface = nic }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("em0")]
    [InlineData("igb1")]
    [InlineData("vtnet0")]
    [InlineData("lagg0.10")]
    [InlineData("bge2")]
    public void InterfaceNamesAreAccepted(string nic) => Assert.Equal(nic, new Dom0Request { BridgeInterface = nic }.Validate().BridgeInterface);

    [Theory]
    [InlineData("com3")]
    [InlineData("com1,com1")]
    [InlineData("com1;vga")]
    [InlineData("com1, vga")]
    [InlineData("vga ")]
    [InlineData("")]
    [InlineData("com1,vga sync_console")]
    public void UnknownConsolesAreRefused(string console) =>
        Assert.Contains("-Console", Refused(new Dom0Request { Console = console }).Message, StringComparison.Ordinal);

    [Fact]
    public void ConsoleListsAreKeptInOrder() => Assert.Equal(new[] { "vga", "com2" }, new Dom0Request { Console = "vga,com2" }.Validate().Console);

    [Theory]
    [InlineData("mnt")]
    [InlineData("./mnt")]
    [InlineData("/mnt/../etc")]
    [InlineData("/mnt/./x")]
    [InlineData("/mnt\nx")]
    [InlineData("")]
    public void RootMustBeAnAbsoluteCleanPath(string root) =>
        Assert.Contains("-Root", Refused(new Dom0Request { Root = root }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("/mnt/", "/mnt")]
    [InlineData("/", "")]
    [InlineData("/mnt/be 1", "/mnt/be 1")]
    public void RootIsNormalized(string root, string expected) => Assert.Equal(expected, new Dom0Request { Root = root }.Validate().Root);

    [Theory]
    [InlineData("4.6")]
    [InlineData("4")]
    [InlineData("x.y")]
    [InlineData("4.17; reboot")]
    [InlineData("4.17\n")]
    [InlineData("3.4")]
    public void BadXenVersionsAreRefused(string version) =>
        Assert.Contains("-XenVersion", Refused(new Dom0Request { XenVersion = version }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("4.7", 4, 7)]
    [InlineData("4.17", 4, 17)]
    [InlineData("4.19.1", 4, 19)]
    public void XenVersionsAreMajorMinor(string version, int major, int minor) =>
        Assert.Equal(new Version(major, minor), new Dom0Request { XenVersion = version }.Validate().XenVersion);

    [Fact]
    public void ControlCharactersAreShownNotEchoed()
    {
        var ex = Refused(new Dom0Request { Dom0Memory = "8G\u001b[2J" });
        Assert.Contains("\\x1b", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", ex.Message, StringComparison.Ordinal);
    }
}
