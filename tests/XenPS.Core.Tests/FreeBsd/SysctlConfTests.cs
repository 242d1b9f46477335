using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>sysctl.conf: read the way sysctl -f reads it (sbin/sysctl parsefile/parse).</summary>
public class SysctlConfTests
{
    private static readonly ShellConfigEditor Sysctl = ShellConfigEditor.SysctlConf;

    [Theory]
    [InlineData("vm.max_user_wired=-1\n", "-1")]
    [InlineData("vm.max_user_wired=1\nvm.max_user_wired=-1\n", "-1")]   // applied in order: the last wins
    [InlineData("vm.max_user_wired=-1\t# Do not limit wired memory\n", "-1")]
    [InlineData("  vm.max_user_wired = -1  \n", "-1")]
    [InlineData("vm.max_user_wired:-1\n", "-1")]
    [InlineData("vm.max_user_wired=\"-1\"\n", "-1")]
    [InlineData("vm.max_user_wired='-1'\n", "-1")]
    [InlineData("vm.max_user_wired=\"-1\n", "-1")]     // an unpaired leading quote is dropped
    [InlineData("vm.max_user_wired=-1\r\n", "-1")]
    [InlineData("vm.max_user_wired=", "")]
    public void ReadsLikeSysctl(string text, string expected) => Assert.Equal(expected, Sysctl.GetValue(text, "vm.max_user_wired"));

    [Theory]
    [InlineData("kern.x=\"a # b\" # c\n", "a # b")]   // a # after a quote is inside it
    [InlineData("kern.x=a#b\n", "a")]                 // an unquoted # starts a comment, even mid-word
    [InlineData("kern.x=a\\#b\n", "a\\#b")]           // \# is not a comment (the backslash stays)
    [InlineData("kern.x=a b c\n", "a b c")]
    [InlineData("kern.x=a=b\n", "a=b")]
    public void CommentsAndSeparators(string text, string expected) => Assert.Equal(expected, Sysctl.GetValue(text, "kern.x"));

    [Theory]
    [InlineData("#vm.max_user_wired=-1\n")]
    [InlineData("vm.max_user_wired\n")]         // a bare name only reads the value
    [InlineData("vm.max_user_wired_x=1\n")]
    public void NotAnAssignment(string text) => Assert.Null(Sysctl.GetValue(text, "vm.max_user_wired"));

    [Theory]
    [InlineData("vm.max_user_wired=1\n", "vm.max_user_wired=-1\n")]
    [InlineData("vm.max_user_wired = 1 # why\n", "vm.max_user_wired = -1 # why\n")]
    [InlineData("vm.max_user_wired:1\n", "vm.max_user_wired:-1\n")]
    [InlineData("vm.max_user_wired=\"1\"\n", "vm.max_user_wired=\"-1\"\n")]
    [InlineData("vm.max_user_wired=\n", "vm.max_user_wired=-1\n")]
    [InlineData("vm.max_user_wired=1\r\nx.y=2\r\n", "vm.max_user_wired=-1\r\nx.y=2\r\n")]
    [InlineData("# wired\nvm.max_wired=1", "# wired\nvm.max_wired=1\nvm.max_user_wired=-1")]
    public void Set(string text, string expected)
    {
        var r = Sysctl.Set(text, "vm.max_user_wired", "-1");
        Assert.True(r.Changed);
        Assert.Equal(expected, r.Text);
        Assert.False(Sysctl.Set(r.Text, "vm.max_user_wired", "-1").Changed);
    }

    [Fact]
    public void Remove()
    {
        var r = Sysctl.Remove("a.b=1\nvm.max_user_wired=-1 # x\nc.d=2\n", "vm.max_user_wired");
        Assert.Equal("a.b=1\nc.d=2\n", r.Text);
        Assert.Equal("-1", r.Before);
    }

    [Theory]
    [InlineData("a#b", "quotes, backslashes and #")]
    [InlineData("\"q\"", "quotes, backslashes and #")]
    [InlineData("it's", "quotes, backslashes and #")]
    [InlineData("a\\b", "quotes, backslashes and #")]
    [InlineData(" lead", "leading and trailing blanks")]
    [InlineData("trail ", "leading and trailing blanks")]
    [InlineData("a\nkern.securelevel=3", "control character")]
    [InlineData("a\tb", "control character")]
    public void UnsafeValuesAreRejected(string value, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => Sysctl.Set("kern.x=1\n", "kern.x", value));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongALineIsRejected() =>
        Assert.Throws<ArgumentException>(() => Sysctl.Set(string.Empty, "kern.x", new string('a', 1020)));

    [Theory]
    [InlineData("$(reboot)")]
    [InlineData("a;reboot")]
    [InlineData("`id`")]
    [InlineData("a b")]
    public void ShellMetacharactersAreLiteral(string value)
    {
        // sysctl -f runs no shell: the value is written and read back as is.
        var text = Sysctl.Set(string.Empty, "kern.x", value).Text;
        Assert.Equal("kern.x=" + value + "\n", text);
        Assert.Equal(value, Sysctl.GetValue(text, "kern.x"));
    }

    [Theory]
    [InlineData("vm.max_user_wired")]
    [InlineData("dev.em.0.%desc")]
    [InlineData("net.inet.tcp.cc.algorithm")]
    public void ValidNames(string name) => Assert.True(Sysctl.IsValidName(name));

    [Theory]
    [InlineData("vm..x")]
    [InlineData(".vm")]
    [InlineData("vm x")]
    [InlineData("vm=x")]
    [InlineData("vm:x")]
    [InlineData("")]
    public void InvalidNames(string name) => Assert.Throws<ArgumentException>(() => Sysctl.Set(string.Empty, name, "1"));
}
