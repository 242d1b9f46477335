using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>loader.conf: read the way the Lua loader (stand/lua/config.lua) reads it, which is not sh.</summary>
public class LoaderConfTests
{
    private static readonly ShellConfigEditor Loader = ShellConfigEditor.LoaderConf;

    [Theory]
    [InlineData("a=\"1\"\na=\"2\"\n", "2")]
    [InlineData("a=\"x # y\" # comment\n", "x # y")]
    [InlineData("a = \"spaced\"\n", "spaced")]            // the loader allows blanks around '='
    [InlineData("\ta=\"1\"\t\t# c\n", "1")]
    [InlineData("vfs.zfs.arc_max=96G\n", "96G")]
    [InlineData("a=\"\"\n", "")]
    [InlineData("a=\"say \\\"hi\\\"\"\n", "say \"hi\"")]  // \x gives x
    [InlineData("a=\"x\"\r\n", "x")]
    [InlineData("a=\"1\"\na=/boot/xen\n", "1")]           // the malformed later line is ignored by the loader
    public void ReadsLikeTheLoader(string text, string expected) => Assert.Equal(expected, Loader.GetValue(text, "a") ?? Loader.GetValue(text, "vfs.zfs.arc_max"));

    [Theory]
    [InlineData("a='single'\n", "single quotes")]
    [InlineData("a=/boot/xen\n", "one word")]
    [InlineData("a=two words\n", "one word")]
    [InlineData("a=\n", "empty value")]
    [InlineData("a=\"x\" y\n", "after the closing quote")]
    [InlineData("a=\"open\n", "unterminated")]
    [InlineData("a=\"a\"b\"\n", "stray quote")]
    [InlineData("a=\"$\"\n", "unescaped $")]
    [InlineData("a=\"x\\\"\n", "stray escape")]        // the last quote closes: x\ ends with a lone backslash
    public void LinesTheLoaderRejectsAreMalformed(string text, string problem)
    {
        var a = Assert.Single(Loader.GetAssignments(text, "a"));
        Assert.True(a.IsMalformed);
        Assert.Null(a.Value);
        Assert.Contains(problem, a.Problem, StringComparison.Ordinal);
        Assert.Null(Loader.GetValue(text, "a"));
    }

    [Fact]
    public void LoaderVariablesAreNotLiteral()
    {
        var a = Loader.GetEffective("a=\"${kernel}.old $bootfile\"\n", "a")!;
        Assert.Equal("${kernel}.old $bootfile", a.Value);
        Assert.False(a.IsLiteral);
    }

    [Fact]
    public void ModuleSettingsAreTakenAsWritten() =>
        Assert.Equal("-t x \\y", Loader.GetValue("foo_flags=\"-t x \\y\"\n", "foo_flags"));

    [Theory]
    [InlineData("a=\"old\"\n", "new", "a=\"new\"\n")]
    [InlineData("a=old\n", "new", "a=new\n")]                 // an unquoted word stays unquoted when it can
    [InlineData("a=64G\n", "/boot/xen", "a=\"/boot/xen\"\n")] // ...and is quoted when it cannot
    [InlineData("a = \"old\"  # c\n", "new", "a = \"new\"  # c\n")]
    [InlineData("a='old'\n", "new", "a=\"new\"\n")]            // fixes what the loader rejects
    [InlineData("a=/boot/xen # c\n", "/boot/xen", "a=\"/boot/xen\" # c\n")]
    [InlineData("a=\n", "v", "a=\"v\"\n")]
    [InlineData("a=\"1\"\na='2'\n", "1", "a=\"1\"\na=\"1\"\n")]  // the last line is the one written
    public void Set(string text, string value, string expected)
    {
        var r = Loader.Set(text, "a", value);
        Assert.True(r.Changed);
        Assert.Equal(expected, r.Text);
        Assert.Equal(value, Loader.GetValue(r.Text, "a"));
        Assert.False(Loader.Set(r.Text, "a", value).Changed);
    }

    [Fact]
    public void AppendsQuoted()
    {
        Assert.Equal("zfs_load=\"YES\"\nxen_kernel=\"/boot/xen\"\n", Loader.Set("zfs_load=\"YES\"\n", "xen_kernel", "/boot/xen").Text);
        Assert.Equal("zfs_load=\"YES\"\nhw.pci.mcfg=\"0\"", Loader.Set("zfs_load=\"YES\"", "hw.pci.mcfg", "0").Text);
    }

    [Theory]
    [InlineData("a=\"x\" y\n")]
    [InlineData("a=\"open\n")]
    public void RefusesToRewriteAValueItCannotDelimit(string text)
    {
        var e = Assert.Throws<XenConfigFileException>(() => Loader.Set(text, "a", "v"));
        Assert.Equal(1, e.LineNumber);
        // Removing the whole line is still possible (one setting per line).
        Assert.Equal(string.Empty, Loader.Remove(text, "a").Text);
    }

    [Theory]
    [InlineData("a\"b", "double quote")]
    [InlineData("a\\b", "backslash")]
    [InlineData("$(reboot)", "expands $name")]
    [InlineData("${kernel}", "expands $name")]
    [InlineData("a\nb", "control character")]
    [InlineData("a\rb", "control character")]
    [InlineData("\t", "control character")]
    public void UnsafeValuesAreRejected(string value, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => Loader.Set("a=\"1\"\n", "a", value));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a;reboot")]
    [InlineData("`reboot`")]
    [InlineData("it's")]
    [InlineData("a # b")]
    [InlineData("com1=115200,8n1 console=com1,vga")]
    public void OtherPunctuationIsLiteralInsideDoubleQuotes(string value)
    {
        var text = Loader.Set(string.Empty, "a", value).Text;
        Assert.Equal("a=\"" + value + "\"\n", text);
        Assert.Equal(value, Loader.GetValue(text, "a"));
    }

    [Theory]
    [InlineData("1a")]      // valid for the loader, not for sh
    [InlineData("kern.geom.label.gptid.enable")]
    [InlineData("if_tap_load")]
    [InlineData("hw.mfi.mrsas_enable")]
    public void NamesTheLoaderAccepts(string name) => Assert.True(Loader.IsValidName(name));

    [Theory]
    [InlineData("a b")]
    [InlineData(".a")]
    [InlineData("a=b")]
    [InlineData("$a")]
    public void InvalidNamesAreRejected(string name) => Assert.Throws<ArgumentException>(() => Loader.Set(string.Empty, name, "v"));

    [Fact]
    public void EditWordListKeepsUnmanagedWordsOrderAndSpacing()
    {
        const string text = "# xen\nxen_cmdline=\"dom0_mem=8192M  dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1\" # dom0\n";
        var r = Loader.EditWordList(text, "xen_cmdline", l => l.Set("dom0_mem", "4096M").AddFlag("noreboot").Remove("com1").Remove("absent"));
        Assert.Equal("# xen\nxen_cmdline=\"dom0_mem=4096M  dom0_max_vcpus=4 dom0=pvh console=com1,vga noreboot\" # dom0\n", r.Text);
        Assert.Equal("dom0_mem=8192M  dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1", r.Before);
    }

    [Fact]
    public void EditWordListOfAnUnsetNameAppendsOnlyWhenNotEmpty()
    {
        Assert.False(Loader.EditWordList("a=\"1\"\n", "xen_cmdline", l => l.Remove("x")).Changed);
        Assert.Equal("a=\"1\"\nxen_cmdline=\"dom0=pvh\"\n", Loader.EditWordList("a=\"1\"\n", "xen_cmdline", l => l.Set("dom0", "pvh")).Text);
    }

    [Fact]
    public void EditWordListRefusesAValueWithVariables() =>
        Assert.Throws<XenConfigFileException>(() => Loader.EditWordList("xen_cmdline=\"$base x\"\n", "xen_cmdline", l => l.AddFlag("y")));

    [Fact]
    public void EditWordListRejectsWordsWithSpacesOrQuotes()
    {
        Assert.Throws<ArgumentException>(() => Loader.EditWordList(string.Empty, "xen_cmdline", l => l.Set("a", "b c")));
        Assert.Throws<ArgumentException>(() => Loader.EditWordList(string.Empty, "xen_cmdline", l => l.Set("a", "\"b\"")));
    }
}
