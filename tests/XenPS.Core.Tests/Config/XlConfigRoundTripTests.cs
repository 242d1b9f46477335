using XenPS.Core.Config;
using Xunit;

namespace XenPS.Core.Tests.Config;

public class XlConfigRoundTripTests
{
    [Fact]
    public void FixturesArePresent()
    {
        var names = ConfigFixtures.ValidNames.ToList();
        Assert.Contains("handbook-freebsd.cfg", names);
        Assert.Contains("handbook-freebsd-2.cfg", names);
        Assert.Equal(7, names.Count(n => n.StartsWith("lab-devices-", StringComparison.Ordinal)));
        Assert.Equal(8, names.Count(n => n.StartsWith("lab-rootfs-", StringComparison.Ordinal)));
        Assert.True(names.Count(n => n.StartsWith("synthetic-", StringComparison.Ordinal)) >= 9);
    }

    [Theory]
    [MemberData(nameof(ConfigFixtures.Valid), MemberType = typeof(ConfigFixtures))]
    public void EveryFixtureRoundTripsByteForByte(string name)
    {
        var bytes = ConfigFixtures.Bytes(name);
        var document = XlConfigDocument.Parse(ConfigFixtures.Text(name), name);
        Assert.Equal(bytes, ConfigFixtures.Encode(document.ToString()));

        var typed = XenDomUConfig.Parse(ConfigFixtures.Text(name), name);
        Assert.Equal(bytes, ConfigFixtures.Encode(typed.ToString()));
    }

    [Theory]
    [MemberData(nameof(ConfigFixtures.Valid), MemberType = typeof(ConfigFixtures))]
    public void EveryFixtureRoundTripsWithCrlfAndWithoutFinalNewline(string name)
    {
        var text = ConfigFixtures.Text(name);
        var crlf = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        Assert.Equal(crlf, XlConfigDocument.Parse(crlf).ToString());

        var trimmed = text.TrimEnd('\n', '\r');
        Assert.Equal(trimmed, XlConfigDocument.Parse(trimmed).ToString());
    }

    [Fact]
    public void TheRepositorysOwnLabConfigsRoundTripAndValidate()
    {
        // tests/lab/image/xen-test/*.cfg, read in place so the test follows the lab as it changes
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "XenPS.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var files = Directory.GetFiles(Path.Combine(directory!.FullName, "tests", "lab", "image", "xen-test"), "*.cfg");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            var text = new System.Text.UTF8Encoding(false, true).GetString(bytes);
            if (Path.GetFileName(file) == "bad-syntax.cfg")
            {
                var error = Assert.Throws<XenConfigSyntaxException>(() => XenDomUConfig.Parse(text, file));
                Assert.Equal((3, 14), (error.Line, error.Column));
                continue;
            }
            var config = XenDomUConfig.Parse(text, file);
            Assert.Equal(bytes, ConfigFixtures.Encode(config.ToString()));
            Assert.DoesNotContain(config.Validate(), p => p.Severity == XenConfigProblemSeverity.Error);
            Assert.False(string.IsNullOrEmpty(config.Name));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\n\n\n")]
    [InlineData("   ")]
    [InlineData(";")]
    [InlineData(";;\n;")]
    [InlineData("a=1")]
    [InlineData("a=1;")]
    [InlineData("a = 1 ;b= 2;c =3 ; \n")]
    [InlineData("a\t=\t'x'\t\n")]
    [InlineData("a = [ ]")]
    [InlineData("a = []")]
    [InlineData("a = [,]\n", false)]
    [InlineData("a = [ 1, ]")]
    [InlineData("a = [\n\n]\n")]
    [InlineData("a = [ # c\n 'x' # d\n , # e\n 'y'\n # f\n ,\n ]\n")]
    [InlineData("a = [[[[]]]]")]
    [InlineData("a = [ [ 1, [ 2, [ 3 ] ] ], 'x', 0x10, 010 ]")]
    [InlineData("a += 'x'\na += 'y'")]
    [InlineData("a = 'x'\na += \"y\"\n")]
    [InlineData("k = 0x1f\nl = 0777\nm = 0\nn = 12abc\n")]
    [InlineData("s = \"\\\"q\\\" \\\\ \\' \\a\\b\\f\\n\\r\\t\\v\"\n")]
    [InlineData("s = 'don\\'t'\n")]
    [InlineData("s = \"caf\u00e9 \u2603\"\n")]
    [InlineData("#only a comment\n")]
    [InlineData("# a\n# b\n\n# c\n")]
    [InlineData("a = 1 # c\r\nb = 2\r\n")]
    [InlineData("a.b_c.d9 = 1\n")]
    [InlineData("x = \"raw\u0001control\"\n")]
    public void SyntheticTextsRoundTrip(string text, bool valid = true)
    {
        if (!valid)
        {
            Assert.Throws<XenConfigSyntaxException>(() => XlConfigDocument.Parse(text));
            return;
        }
        Assert.Equal(text, XlConfigDocument.Parse(text).ToString());
    }

    [Fact]
    public void StatementsFixtureReadsLikeXl()
    {
        var config = XenDomUConfig.Parse(ConfigFixtures.Text("synthetic-statements.cfg"));
        Assert.Equal("multi", config.Name);
        Assert.Equal(512, config.MemoryMB);
        Assert.Equal(1, config.VCpus);
        Assert.Equal("console=hvc0 root=/dev/xvda1 quiet", config.Extra);
        Assert.Equal(new[] { "/dev/zvol/zroot/a,raw,xvda,w", "/dev/zvol/zroot/b,raw,xvdb,w" }, config.GetStringList("disk"));
        Assert.Equal(new[] { "xvda", "xvdb" }, config.Disks.Select(d => d.Vdev));
        Assert.Empty((IReadOnlyList<object>)config.Get("empty")!);
        Assert.Empty((IReadOnlyList<object>)config.Get("spaced")!);

        var nested = (IReadOnlyList<object>)config.Get("nested")!;
        Assert.Equal(3, nested.Count);
        Assert.Equal(new object[] { "1", "2" }, (IReadOnlyList<object>)nested[0]);
        var second = (IReadOnlyList<object>)nested[1];
        Assert.Equal("a", second[0]);
        Assert.Equal(new object[] { "b" }, (IReadOnlyList<object>)second[1]);
        Assert.Equal("3", nested[2]);

        Assert.Equal(new object[] { "text", "0x1f", "017", "42" }, (IReadOnlyList<object>)config.Get("mixed")!);
        Assert.Equal(1024, config.GetNumber("hexmem"));
        Assert.Equal(2, config.GetNumber("octcpus"));
        Assert.Equal(1024, config.GetNumber("quoted_number"));
        Assert.Equal("bridge0", config.GetString("vif.default.bridge"));
        Assert.Equal("dotted key", config.GetString("a_b.c9"));
        Assert.Equal(
            new[] { "name", "memory", "vcpus", "extra", "disk", "empty", "spaced", "nested", "mixed", "hexmem", "octcpus", "quoted_number", "vif.default.bridge", "a_b.c9" },
            config.Keys);
    }

    [Fact]
    public void EscapesAreDecodedLikeXl()
    {
        var config = XenDomUConfig.Parse(ConfigFixtures.Text("synthetic-escapes.cfg"));
        Assert.Equal("console=hvc0 init=\"/sbin/init\" path=C:\\xen", config.Extra);
        Assert.Equal("it's here", config.GetString("single"));
        Assert.Equal("tab\there", config.GetString("mixed"));
        Assert.Equal("a\ab\bf\fv\vr\rn\n", config.GetString("bell"));
        Assert.Equal("# not a comment", config.GetString("hash"));
        Assert.Equal("a;b,c=d[e]", config.GetString("semi"));
    }

    [Fact]
    public void CommentsEverywhereFixtureReadsLikeXl()
    {
        var config = XenDomUConfig.Parse(ConfigFixtures.Text("synthetic-comments-everywhere.cfg"));
        Assert.Equal("web01", config.Name);
        Assert.Equal(XenDomainType.HVM, config.Type);
        Assert.Equal(2048, config.MemoryMB);
        Assert.Equal(4096, config.MaxMemoryMB);
        Assert.Equal(2, config.Disks.Count);
        Assert.Equal("/dev/zvol/zroot/web01", config.Disks[0].Target);
        Assert.True(config.Disks[1].IsCdrom);
        Assert.Equal(new[] { "bridge0", "bridge1" }, config.Vifs.Select(v => v.Bridge));
        Assert.Equal("e1000", config.Vifs[0].Model);
        Assert.Equal("preserve", config.OnCrash);
    }

    [Fact]
    public void NumbersAreKeptAsWrittenAndReadWithStrtol()
    {
        var config = XenDomUConfig.Parse("a = 0x400\nb = 010\nc = \" 42\"\nd = 08\ne = 12abc\nf = \"-5\"\ng = 0x\nh = 9223372036854775808\n");
        Assert.Equal(1024, config.GetNumber("a"));
        Assert.Equal(8, config.GetNumber("b"));        // leading zero: octal, as strtol(…, 0)
        Assert.Equal(42, config.GetNumber("c"));       // quoted numbers and leading blanks are fine for xl
        Assert.Null(config.GetNumber("d"));            // 8 is not an octal digit
        Assert.Null(config.GetNumber("e"));            // lexes as one NUMBER token, but is not a number
        Assert.Equal(-5, config.GetNumber("f"));
        Assert.Null(config.GetNumber("g"));
        Assert.Null(config.GetNumber("h"));            // overflow
        Assert.Equal("12abc", config.Get("e"));
    }

    [Theory]
    [InlineData("synthetic-crlf.cfg", "CRLF")]
    [InlineData("synthetic-comment-no-final-newline.cfg", "no line break")]
    public void WhatOnlyXenPsAcceptsIsReportedAsACompatibilityIssue(string name, string fragment)
    {
        var issues = XlConfigDocument.Parse(ConfigFixtures.Text(name)).GetCompatibilityIssues();
        var issue = Assert.Single(issues);
        Assert.Equal(XenConfigProblemSeverity.Error, issue.Severity);
        Assert.Contains(fragment, issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherFixturesHaveNoCompatibilityIssue()
    {
        foreach (var name in ConfigFixtures.ValidNames.Where(n => n is not ("synthetic-crlf.cfg" or "synthetic-comment-no-final-newline.cfg")))
            Assert.Empty(XlConfigDocument.Parse(ConfigFixtures.Text(name)).GetCompatibilityIssues());
    }

    [Fact]
    public void CrlfAfterACommentAloneIsFineForXl()
    {
        // xl's comment rule "#.*\n" swallows the '\r'; only carriage returns after other tokens break xl.
        Assert.Empty(XlConfigDocument.Parse("# comment\r\nname = \"x\"\n").GetCompatibilityIssues());
        Assert.Single(XlConfigDocument.Parse("name = \"x\"\r\n").GetCompatibilityIssues());
    }

    [Fact]
    public void TheTreeCoversEveryCharacter()
    {
        var document = XlConfigDocument.Parse(ConfigFixtures.Text("synthetic-comments-everywhere.cfg"));
        var disk = document.Find("disk").Single();
        var list = Assert.IsType<XlConfigList>(disk.Value);
        Assert.Equal(2, list.Items.Count);
        Assert.Contains(list.Children, n => n is XlConfigToken { Kind: XlConfigTokenKind.Comment, Text: "# install media" });
        Assert.Equal(10, disk.Line);
        Assert.Equal(1, disk.Column);
        var cd = Assert.IsType<XlConfigAtom>(list.Items[1]);
        Assert.Equal('\'', cd.Quote);
        Assert.Equal(14, cd.Line);
        Assert.Equal(5, cd.Column);
        Assert.Equal("\n", document.LineEnding);
        Assert.Equal("\r\n", XlConfigDocument.Parse(ConfigFixtures.Text("synthetic-crlf.cfg")).LineEnding);
    }
}
