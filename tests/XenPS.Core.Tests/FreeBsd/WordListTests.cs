using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

public class WordListTests
{
    private const string Cmdline = "dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1";

    [Theory]
    [InlineData("")]
    [InlineData(Cmdline)]
    [InlineData("  a  b\tc=1 ")]
    public void RoundTrips(string value) => Assert.Equal(value, WordList.Parse(value).ToString());

    [Fact]
    public void ReadsOptionsAndFlags()
    {
        var l = WordList.Parse(Cmdline + " noreboot dom0_mem=4096M");
        Assert.True(l.TryGetValue("dom0_mem", out var mem));
        Assert.Equal("4096M", mem);                      // the last one, as Xen reads it
        Assert.True(l.TryGetValue("noreboot", out var flag));
        Assert.Null(flag);
        Assert.False(l.TryGetValue("com", out _));
        Assert.True(l.Contains("com1"));
        Assert.Equal(7, l.Count);
    }

    [Fact]
    public void SetReplacesInPlaceAndDropsLaterDuplicates()
    {
        var l = WordList.Parse("a=1 b=2 a=3 c");
        Assert.Equal("a=9 b=2 c", l.Set("a", "9").ToString());
        Assert.Equal("a=9 b=2 c d=4", l.Set("d", "4").ToString());
        Assert.Equal("a=9 b c d=4", l.Set("b", null).ToString());
        Assert.Equal("a=9 b c=1 d=4", l.Set("c", "1").ToString());
    }

    [Fact]
    public void AddFlagIsIdempotent()
    {
        var l = WordList.Parse(Cmdline);
        Assert.Equal(Cmdline + " noreboot", l.AddFlag("noreboot").ToString());
        Assert.Equal(Cmdline + " noreboot", l.AddFlag("noreboot").ToString());
    }

    [Fact]
    public void RemoveKeepsTheOthersAndTheirSpacing()
    {
        Assert.Equal("dom0_max_vcpus=4  dom0=pvh", WordList.Parse("dom0_mem=1 dom0_max_vcpus=4  dom0=pvh").Remove("dom0_mem").ToString());
        Assert.Equal("a c", WordList.Parse("a b=1 c b").Remove("b").ToString());
        Assert.Equal(string.Empty, WordList.Parse(" a ").Remove("a").ToString());
        // console=com1,vga has the key "console", not "com1".
        Assert.Equal("console=com1,vga", WordList.Parse("console=com1,vga com1=115200,8n1").Remove("com1").ToString());
    }

    [Theory]
    [InlineData("", "v")]
    [InlineData("a=b", "v")]
    [InlineData("a b", "v")]
    [InlineData("a", "b c")]
    [InlineData("a", "b\nc")]
    public void RejectsWhatWouldSplitOrJoinWords(string key, string value) =>
        Assert.Throws<ArgumentException>(() => WordList.Parse(Cmdline).Set(key, value));
}
