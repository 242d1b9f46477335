using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

public class TtysTests
{
    private const string Entry = Ttys.XenConsoleEntry;

    [Theory]
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\tonifconsole secure")]
    [InlineData("xc0 \t\"/usr/libexec/getty Pc\"         xterm   onifconsole  secure")]   // as in the pkg-message
    [InlineData("xc0 \"/usr/libexec/getty Pc\" xterm on onifconsole insecure secure # Xen")]
    public void AnEntryThatMeansTheSameIsLeftAlone(string line)
    {
        var text = "console none unknown off secure\n" + line + "\n";
        var r = Ttys.EnsureXenConsole(text);
        Assert.False(r.Changed);
        Assert.Same(text, r.Text);
        Assert.Equal(line, r.Before);
        Assert.Equal(line, r.After);
    }

    [Theory]
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\ton\tsecure", null)]      // the old pkg-message line
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\toff\tsecure", null)]
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\tonifconsole", null)]
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\tonifconsole insecure", null)]
    [InlineData("xc0\t\"/usr/libexec/getty std.9600\"\tvt100\tonifconsole secure", null)]
    [InlineData("xc0\t\"/usr/libexec/getty Pc\"\txterm\ton\tsecure\t# Xen console", "# Xen console")]
    [InlineData("  xc0 none unknown off", null)]
    public void AWrongEntryIsCorrected(string line, string? comment)
    {
        var text = "console none unknown off secure\n" + line + "\nttyv0 \"/usr/libexec/getty Pc\" xterm onifexists secure\n";
        var r = Ttys.EnsureXenConsole(text);
        Assert.True(r.Changed);
        Assert.Equal(line, r.Before);
        var expectedLine = comment is null ? Entry : Entry + " " + comment;
        Assert.Equal(expectedLine, r.After);
        Assert.Equal("console none unknown off secure\n" + expectedLine + "\nttyv0 \"/usr/libexec/getty Pc\" xterm onifexists secure\n", r.Text);
        Assert.False(Ttys.EnsureXenConsole(r.Text).Changed);
    }

    [Fact]
    public void DuplicatesAreCommentedOut()
    {
        var text = "xc0 \"/usr/libexec/getty Pc\" xterm on secure\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\nxc0 \"/usr/libexec/getty Pc\" xterm onifconsole secure\r\n";
        var r = Ttys.EnsureXenConsole(text);
        Assert.Equal(Entry + "\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\n#xc0 \"/usr/libexec/getty Pc\" xterm onifconsole secure\r\n", r.Text);
        Assert.False(Ttys.EnsureXenConsole(r.Text).Changed);
    }

    [Theory]
    [InlineData("#xc0\t\"/usr/libexec/getty Pc\"\txterm\ton\tsecure")]
    [InlineData("# xc0 \"/usr/libexec/getty Pc\" xterm off secure")]
    public void ACommentedEntryIsReplaced(string line)
    {
        var text = "console none unknown off secure\n" + line + "\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\n";
        var r = Ttys.EnsureXenConsole(text);
        Assert.Null(r.Before);
        Assert.Equal("console none unknown off secure\n" + Entry + "\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\n", r.Text);
    }

    [Fact]
    public void ProseMentioningXc0IsNotAnEntry()
    {
        var text = "# xc0 is the Xen console\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\ndcons none unknown off secure\n";
        var r = Ttys.EnsureXenConsole(text);
        Assert.Equal("# xc0 is the Xen console\nttyu0 \"/usr/libexec/getty 3wire\" vt100 onifconsole secure\n" + Entry + "\ndcons none unknown off secure\n", r.Text);
    }

    [Theory]
    [InlineData("", Entry + "\n")]
    [InlineData("# only comments\n", "# only comments\n" + Entry + "\n")]
    [InlineData("console none unknown off secure\n# end\n", "console none unknown off secure\n" + Entry + "\n# end\n")]
    [InlineData("console none unknown off secure", "console none unknown off secure\n" + Entry)]
    [InlineData("console none unknown off secure\r\n", "console none unknown off secure\r\n" + Entry + "\r\n")]
    public void InsertsAfterTheLastEntryWithoutConsoles(string text, string expected) =>
        Assert.Equal(expected, Ttys.EnsureXenConsole(text).Text);

    [Fact]
    public void RejectsWhatIsNotAnEntry()
    {
        Assert.Throws<ArgumentException>(() => Ttys.EnsureEntry(string.Empty, "xc0 \"/usr/libexec/getty Pc\""));
        Assert.Throws<ArgumentException>(() => Ttys.EnsureEntry(string.Empty, Entry + "\nttyv9 none unknown off"));
    }
}
