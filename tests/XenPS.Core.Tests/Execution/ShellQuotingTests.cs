using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Execution;

public class ShellQuotingTests
{
    [Theory]
    [InlineData("list", "list")]
    [InlineData("/usr/local/etc/xen/web01.cfg", "/usr/local/etc/xen/web01.cfg")]
    [InlineData("mem=512", "mem=512")]
    [InlineData("", "''")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(id)", "'$(id)'")]
    [InlineData("a;b", "'a;b'")]
    public void QuotesOnlyWhatNeedsIt(string word, string expected) => Assert.Equal(expected, ShellQuoting.Quote(word));

    [Fact]
    public void JoinsACommandLine() =>
        Assert.Equal("xl create '/tmp/my guest.cfg'", ShellQuoting.Join(new[] { "xl", "create", "/tmp/my guest.cfg" }));
}
