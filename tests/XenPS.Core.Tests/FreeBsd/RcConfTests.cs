using System.Diagnostics;
using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>rc.conf: read the way sh reads it, written the way sysrc(8) writes it.</summary>
public class RcConfTests
{
    private static readonly ShellConfigEditor Rc = ShellConfigEditor.RcConf;

    [Theory]
    [InlineData("a=1\na=2\n", "2")]                         // the last assignment wins
    [InlineData("a=1\n#a=2\n", "1")]                        // a comment is not an assignment
    [InlineData("  \ta=1\n", "1")]                          // leading blanks (sysrc: ^[[:space:]]*name=)
    [InlineData("a=\"x # y\" # comment\n", "x # y")]        // a quoted # is not a comment
    [InlineData("a=x#y\n", "x#y")]                          // nor is a # inside an unquoted word
    [InlineData("a='x # y'\n", "x # y")]
    [InlineData("a=\n", "")]                                // empty
    [InlineData("a=\"\"\n", "")]
    [InlineData("a=''\n", "")]
    [InlineData("a=\"say \\\"hi\\\"\"\n", "say \"hi\"")]    // escaped quotes
    [InlineData("a=\"back\\\\slash \\$x \\n\"\n", "back\\slash $x \\n")] // in "..." only \ $ ` " are escaped
    [InlineData("a='it'\\''s'\n", "it's")]                  // the sh way to put ' in single quotes
    [InlineData("a='c:\\dir'\n", "c:\\dir")]                // nothing is special in '...'
    [InlineData("a=two\\ words\n", "two words")]
    [InlineData("a=x y\n", "x")]                            // sh runs "y" with a=x in its environment
    [InlineData("a=1; b=2\n", "1")]
    [InlineData("a=\"x\"'y'z\n", "xyz")]
    [InlineData("a=\"multi\nline\"\n", "multi\nline")]
    [InlineData("a=\"1\"\r\n", "1")]
    [InlineData("a=\"no final newline\"", "no final newline")]
    public void ReadsLikeSh(string text, string expected) => Assert.Equal(expected, Rc.GetValue(text, "a"));

    [Fact]
    public void UnsetIsNull()
    {
        Assert.Null(Rc.GetValue("b=1\n", "a"));
        Assert.Null(Rc.GetValue(string.Empty, "a"));
        Assert.Null(Rc.GetValue("ab=1\nA=2\n", "a"));
    }

    [Fact]
    public void LinesInsideAMultiLineValueAreNotAssignments()
    {
        var text = "a=\"first\nb=inside\"\nb=real\n";
        var b = Rc.GetAssignments(text, "b");
        Assert.Single(b);
        Assert.Equal("real", b[0].Value);
        Assert.Equal(3, b[0].LineNumber);
        var a = Rc.GetEffective(text, "a")!;
        Assert.True(a.IsMultiLine);
        Assert.Equal(2, a.LastLineNumber);
    }

    [Theory]
    [InlineData("a=$HOME\n", "$HOME")]
    [InlineData("a=\"${HOME}/x\"\n", "${HOME}/x")]
    [InlineData("a=\"$(hostname -s)\"\n", "$(hostname -s)")]
    [InlineData("a=`hostname`\n", "`hostname`")]
    public void ExpansionsAreReportedNotEvaluated(string text, string expected)
    {
        var a = Rc.GetEffective(text, "a")!;
        Assert.Equal(expected, a.Value);
        Assert.False(a.IsLiteral);
    }

    [Fact]
    public void DollarNotStartingAnExpansionIsLiteral()
    {
        var a = Rc.GetEffective("a=\"5$\"\n", "a")!;
        Assert.Equal("5$", a.Value);
        Assert.True(a.IsLiteral);
    }

    [Theory]
    [InlineData("a=\"old\"\n", "a=\"new\"\n")]
    [InlineData("a='old'\n", "a='new'\n")]
    [InlineData("a=old\n", "a=new\n")]
    [InlineData("a=\n", "a=\"new\"\n")]
    [InlineData("  a=\"old\"   # keep me  \n", "  a=\"new\"   # keep me  \n")]
    [InlineData("a=\"old\"; b=1\n", "a=\"new\"; b=1\n")]
    [InlineData("a=\"old\"\r\nb=1\r\n", "a=\"new\"\r\nb=1\r\n")]
    [InlineData("b=1\r\na=old", "b=1\r\na=new")]
    public void ReplacesTheValueInPlaceKeepingItsQuoting(string text, string expected)
    {
        var r = Rc.Set(text, "a", "new");
        Assert.True(r.Changed);
        Assert.Equal(expected, r.Text);
        Assert.Equal("new", r.After);
    }

    [Fact]
    public void ReplacesOnlyTheLastAssignment()
    {
        var r = Rc.Set("a=\"1\"\n# between\na=\"2\"\nb=\"x\"\n", "a", "3");
        Assert.Equal("a=\"1\"\n# between\na=\"3\"\nb=\"x\"\n", r.Text);
        Assert.Equal("2", r.Before);
    }

    [Fact]
    public void AppendsWhenUnset()
    {
        Assert.Equal("x=1\nxencommons_enable=\"YES\"\n", Rc.Set("x=1\n", "xencommons_enable", "YES").Text);
        Assert.Equal("xencommons_enable=\"YES\"\n", Rc.Set(string.Empty, "xencommons_enable", "YES").Text);
        Assert.Equal("x=1\r\ny=\"2\"\r\n", Rc.Set("x=1\r\n", "y", "2").Text);
        // No final newline: the file still ends without one and "x=1" keeps its bytes.
        Assert.Equal("x=1\ny=\"2\"", Rc.Set("x=1", "y", "2").Text);
    }

    [Fact]
    public void SameValueChangesNothingWhateverTheQuoting()
    {
        foreach (var text in new[] { "a=YES\n", "a='YES'\n", "a=\"YES\"\n", "a=\"Y\"ES\n", "a=NO\na=YES" })
        {
            var r = Rc.Set(text, "a", "YES");
            Assert.False(r.Changed);
            Assert.Same(text, r.Text);
            Assert.Equal("YES", r.Before);
            Assert.Equal("YES", r.After);
        }
    }

    [Theory]
    [InlineData("a=$OTHER\n")]
    [InlineData("a=`cat /x`\n")]
    [InlineData("a=\\x\n")]
    [InlineData("a=\"line1\nline2\"\n")]
    public void LeavesExpressionsAndMultiLineValuesAloneAndAppends(string text)
    {
        // sysrc: "Assignment w/ back-ticks, expression, or misc. We ignore these since we did not generate them".
        var r = Rc.Set(text, "a", "v");
        Assert.True(r.Changed);
        Assert.Equal(text + "a=\"v\"\n", r.Text);
        Assert.False(Rc.Set(r.Text, "a", "v").Changed);
    }

    [Fact]
    public void UnterminatedQuoteRefusesEveryEdit()
    {
        const string text = "a=\"open\nb=1\n";
        var e = Assert.Throws<XenConfigFileException>(() => Rc.Set(text, "b", "2"));
        Assert.Equal(1, e.LineNumber);
        Assert.Equal("XenConfigFileUnsafeEdit", e.ErrorId);
        Assert.Throws<XenConfigFileException>(() => Rc.Remove(text, "b"));
        Assert.True(Rc.GetAssignments(text, "a")[0].IsMalformed);
    }

    [Fact]
    public void RemovesEveryAssignmentLine()
    {
        var r = Rc.Remove("a=1\n# c\n  a=\"2\" # why\nb=3\na=\"x\ny\"\n", "a");
        Assert.True(r.Changed);
        Assert.Equal("# c\nb=3\n", r.Text);
        Assert.Equal("x\ny", r.Before);
        Assert.Null(r.After);
        var none = Rc.Remove("b=3\n", "a");
        Assert.False(none.Changed);
        Assert.Null(none.Before);
    }

    [Fact]
    public void RemoveRefusesALineWithOtherCommands() =>
        Assert.Throws<XenConfigFileException>(() => Rc.Remove("a=1; b=2\n", "a"));

    // ---- hostile values: written so that sh reads back exactly the given text ----

    [Theory]
    [InlineData("$(reboot)", "x=\"\\$(reboot)\"\n")]
    [InlineData("`reboot`", "x=\"\\`reboot\\`\"\n")]
    [InlineData("${PATH}", "x=\"\\${PATH}\"\n")]
    [InlineData("a\"b", "x=\"a\\\"b\"\n")]
    [InlineData("\"", "x=\"\\\"\"\n")]
    [InlineData("it's", "x=\"it's\"\n")]
    [InlineData("a;reboot", "x=\"a;reboot\"\n")]
    [InlineData("a && reboot", "x=\"a && reboot\"\n")]
    [InlineData("back\\slash", "x=\"back\\\\slash\"\n")]
    [InlineData("# not a comment", "x=\"# not a comment\"\n")]
    [InlineData("", "x=\"\"\n")]
    public void HostileValuesAreDoubleQuotedWithEscapes(string value, string expected)
    {
        var text = Rc.Set(string.Empty, "x", value).Text;
        Assert.Equal(expected, text);
        Assert.Equal(value, Rc.GetValue(text, "x"));
        Assert.True(Rc.GetEffective(text, "x")!.IsLiteral);
        Assert.Equal(expected, "x=" + Rc.Quote(value) + "\n");
    }

    [Theory]
    [InlineData("x='old'\n", "$(reboot)", "x='$(reboot)'\n")]   // nothing is special inside '...'
    [InlineData("x='old'\n", "it's", "x=\"it's\"\n")]           // ' cannot be inside '...': double quotes
    [InlineData("x=old\n", "two words", "x=\"two words\"\n")]
    [InlineData("x=old\n", "$HOME", "x=\"\\$HOME\"\n")]
    [InlineData("x=old\n", "~root", "x=\"~root\"\n")]            // no tilde expansion
    [InlineData("x=old\n", "a,b:c/d=e", "x=a,b:c/d=e\n")]
    public void RequotesWhenTheStyleCannotHoldTheValue(string text, string value, string expected)
    {
        var result = Rc.Set(text, "x", value).Text;
        Assert.Equal(expected, result);
        Assert.Equal(value, Rc.GetValue(result, "x"));
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("a\rb")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("\u001b[31m")]
    public void ControlCharactersAreRejected(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => Rc.Set("x=1\n", "x", value));
        Assert.Equal("value", e.ParamName);
        Assert.Contains("control character", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("a.b")]
    [InlineData("a b")]
    [InlineData("$(x)")]
    [InlineData("")]
    public void InvalidNamesAreRejected(string name)
    {
        Assert.Throws<ArgumentException>(() => Rc.Set(string.Empty, name, "v"));
        Assert.Throws<ArgumentException>(() => Rc.GetValue(string.Empty, name));
        Assert.False(Rc.IsValidName(name));
    }

    [Theory]
    [InlineData("$(touch MARKER)")]
    [InlineData("`touch MARKER`")]
    [InlineData("a\"; touch MARKER; b=\"")]
    [InlineData("'; touch MARKER; '")]
    [InlineData("\\\"$(touch MARKER)\\")]
    [InlineData("plain")]
    [InlineData("")]
    public void RealShReadsBackTheExactValueAndRunsNothing(string value)
    {
        const string sh = "/bin/sh";
        if (!File.Exists(sh)) return; // no POSIX shell on this machine
        var dir = Directory.CreateTempSubdirectory("xenps-rc-");
        try
        {
            var marker = Path.Combine(dir.FullName, "MARKER");
            value = value.Replace("MARKER", marker, StringComparison.Ordinal);
            foreach (var start in new[] { string.Empty, "x='old'\n", "x=old\n", "x=\"old\" # c\n" })
            {
                var conf = Path.Combine(dir.FullName, "rc.conf");
                File.WriteAllText(conf, Rc.Set(start, "x", value).Text);
                var psi = new ProcessStartInfo(sh) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var arg in new[] { "-c", ". \"$1\"; printf %s \"$x\"", "sh", conf }) psi.ArgumentList.Add(arg);
                using var p = Process.Start(psi)!;
                var output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode);
                Assert.Equal(value, output);
                Assert.False(File.Exists(marker));
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
