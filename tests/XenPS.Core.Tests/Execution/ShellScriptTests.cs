using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Execution;

/// <summary>The script builder itself: what each kind of hole becomes, what it refuses, secrets, here-documents.</summary>
public sealed class ShellScriptTests
{
    [Fact]
    public void LiteralTextIsKeptAndEveryLineEndsWithANewline() =>
        Assert.Equal("if [ -f x ]; then :; fi\nexit 0\n", ShellScript.Of($"if [ -f x ]; then :; fi").Line($"exit 0").Text);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("/usr/local/etc/xen/web01.cfg", "/usr/local/etc/xen/web01.cfg")]
    [InlineData("", "''")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(id)", "'$(id)'")]
    [InlineData("`id`", "'`id`'")]
    [InlineData("a\nb", "'a\nb'")]
    [InlineData("~", "'~'")]
    [InlineData("*", "'*'")]
    [InlineData("#x", "'#x'")]
    [InlineData("A=b", "'A=b'")]
    [InlineData("_x9=", "'_x9='")]
    [InlineData("--opt=value", "--opt=value")]
    [InlineData("9A=b", "9A=b")]
    public void AStringHoleIsOneQuotedWord(string value, string expected)
    {
        Assert.Equal("echo " + expected + "\n", ShellScript.Of($"echo {value}").Text);
        Assert.Equal(expected, ShellScript.QuoteWord(value));
    }

    [Fact]
    public void IntegerHolesAreDecimal()
    {
        Assert.Equal("x 42 -7 9223372036854775807 255 65535 4294967295 18446744073709551615 -128 -32768\n",
            ShellScript.Of($"x {42} {-7L} {long.MaxValue} {(byte)255} {ushort.MaxValue} {uint.MaxValue} {ulong.MaxValue} {sbyte.MinValue} {short.MinValue}").Text);
        Assert.Equal("x 00042\n", ShellScript.Of($"x {42:D5}").Text);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("N0")]
    [InlineData("E")]
    [InlineData("C")]
    [InlineData("P")]
    public void AFormatThatDoesNotGiveAPlainNumberIsRefused(string format) =>
        Assert.Throws<ArgumentException>(() => ShellScript.Of(System.Runtime.CompilerServices.FormattableStringFactory.Create("x {0:" + format + "}", 1234567)));

    [Fact]
    public void AStringHoleTakesNoFormat()
    {
        var path = "/x";
        Assert.Throws<ArgumentException>(() => ShellScript.Of($"cat {path:x}"));
    }

    public static readonly TheoryData<object> Unsupported = new() { 1.5, 2.5m, 1.5f, 'c', true, DateTime.UnixEpoch, new object(), new Uri("http://x/"), new[] { 1, 2 }, Guid.Empty, TimeSpan.Zero };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void OtherTypesOfHoleAreRefused(object value) => Assert.Throws<ArgumentException>(() => ShellScript.Of($"x {value}"));

    [Fact]
    public void NullIsRefusedEverywhere()
    {
        string? s = null;
        Assert.Throws<ArgumentException>(() => ShellScript.Of($"cat {s}"));
        Assert.Throws<ArgumentNullException>(() => ShellScript.Of(null!));
        Assert.Throws<ArgumentNullException>(() => new ShellScript().Line(null!));
        Assert.Throws<ArgumentNullException>(() => ShellScript.Words((IEnumerable<string>)null!));
        Assert.Throws<ArgumentException>(() => ShellScript.Words("a", null!));
        Assert.Throws<ArgumentException>(() => ShellScript.Of($"x {new List<string> { "a", null! }}"));
        Assert.Throws<ArgumentNullException>(() => new ShellScript().Command((IEnumerable<string>)null!));
        Assert.Throws<ArgumentException>(() => new ShellScript().Command("a", null!));
        Assert.Throws<ArgumentNullException>(() => new ShellScript().Append(null!));
        Assert.Throws<ArgumentNullException>(() => new ShellScript().Bytes(null!, $"> /dev/null"));
        Assert.Throws<ArgumentException>(() => ShellScript.QuoteWord(null!));
        Assert.Throws<ArgumentException>(() => ShellScript.Var(null!));
    }

    [Fact]
    public void NulIsRefusedInEveryKindOfHole()
    {
        var nul = "a\0b";
        Assert.Throws<ArgumentException>(() => ShellScript.Of($"cat {nul}"));
        Assert.Throws<ArgumentException>(() => ShellScript.Words("x", nul));
        Assert.Throws<ArgumentException>(() => ShellScript.Of($"x {new[] { "x", nul }.ToList()}"));
        Assert.Throws<ArgumentException>(() => new ShellScript().Command("printf", nul));
        Assert.Throws<ArgumentException>(() => ShellScript.QuoteWord(nul));
    }

    [Fact]
    public void ACommandNeedsAWord() => Assert.Throws<ArgumentException>(() => new ShellScript().Command(Array.Empty<string>()));

    [Fact]
    public void WordsAreQuotedOneByOne()
    {
        Assert.Equal("exec xl create '/tmp/my guest.cfg' '' 'A=b' '$x'\n",
            ShellScript.Of($"exec {ShellScript.Words("xl", "create", "/tmp/my guest.cfg", "", "A=b", "$x")}").Text);
        Assert.Equal("x a 'b c'\n", ShellScript.Of($"x {new List<string> { "a", "b c" }}").Text);
        Assert.Equal("x \n", ShellScript.Of($"x {ShellScript.Words()}").Text);
        Assert.Equal("'A=b' c\n", new ShellScript().Command("A=b", "c").Text);
    }

    [Theory]
    [InlineData("t0", "\"${t0}\"")]
    [InlineData("_", "\"$_\"")]
    [InlineData("A_b9", "\"${A_b9}\"")]
    [InlineData("?", "\"$?\"")]
    [InlineData("$", "\"$$\"")]
    [InlineData("!", "\"$!\"")]
    [InlineData("#", "\"$#\"")]
    [InlineData("0", "\"$0\"")]
    [InlineData("9", "\"$9\"")]
    public void AVariableHoleIsADoubleQuotedExpansion(string name, string expected) =>
        Assert.Equal("x " + expected + "\n", ShellScript.Of($"x {ShellScript.Var(name)}").Text);

    [Theory]
    [InlineData("")]
    [InlineData("1a")]
    [InlineData("10")]
    [InlineData("a-b")]
    [InlineData("a b")]
    [InlineData("$x")]
    [InlineData("x}")]
    [InlineData("x;id")]
    [InlineData("@")]
    [InlineData("*")]
    [InlineData("-")]
    [InlineData("é")]
    [InlineData("a\n")]
    [InlineData("?\n")]
    [InlineData("t0\n")]
    public void NoOtherVariableNameIsTaken(string name) => Assert.Throws<ArgumentException>(() => ShellScript.Var(name));

    [Fact]
    public void ANestedScriptIsOneQuotedWord()
    {
        var inner = ShellScript.Of($"printf '%s\\n' {"it's"}");
        Assert.Equal("printf '%s\\n' 'it'\\''s'\n", inner.Text);
        Assert.Equal("sh -c " + ShellScript.QuoteWord(inner.Text) + "\n", ShellScript.Of($"sh -c {inner}").Text);
        Assert.StartsWith("sh -c 'printf '\\''%s", ShellScript.Of($"sh -c {inner}").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AppendKeepsTextAndSecrets()
    {
        var a = ShellScript.Of($"a {"pw1"}").Secret("pw1");
        var b = ShellScript.Of($"b").Append(a);
        Assert.Equal("b\na pw1\n", b.Text);
        Assert.Equal("b\na " + ShellScript.Mask + "\n", b.DisplayText);
        Assert.Contains("pw1", b.Secrets);
    }

    [Fact]
    public void SecretsAreMaskedInDisplayTextButNotInText()
    {
        var script = ShellScript.Of($"vnc {"s3cret"} {"x s3cret y"}").Line($"echo s3cret").Secret("s3cret");
        Assert.Contains("s3cret", script.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", script.DisplayText, StringComparison.Ordinal);
        Assert.Equal("vnc ******** 'x ******** y'\necho ********\n", script.DisplayText);
        Assert.Equal(script.DisplayText, script.ToString());
    }

    [Theory]
    [InlineData("it's")]
    [InlineData("a b")]
    [InlineData("A=b")]
    [InlineData("''")]
    [InlineData("'")]
    [InlineData("$(x)")]
    public void ASecretIsMaskedInItsQuotedForms(string secret)
    {
        var script = ShellScript.Of($"x {secret}").Line($"y {"--password=" + secret + " tail"}").Line($"z {ShellScript.Words("a", secret)}").Secret(secret);
        var shown = script.DisplayText;
        Assert.Equal("x " + ShellScript.Mask + "\n", shown[..shown.IndexOf('\n', StringComparison.Ordinal)] + "\n");
        AssertHidden(secret, shown);
    }

    /// <summary>Neither the secret nor any quoted or escaped form of it appears.</summary>
    private static void AssertHidden(string secret, string shown)
    {
        Assert.DoesNotContain(secret, shown, StringComparison.Ordinal);
        Assert.DoesNotContain(ShellScript.QuoteWord(secret), shown, StringComparison.Ordinal);
        var escaped = secret;
        for (var depth = 0; depth < 3; depth++)
        {
            escaped = escaped.Replace("'", "'\\''", StringComparison.Ordinal);
            Assert.DoesNotContain(escaped, shown, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("pw")]
    [InlineData("it's")]
    public void ASecretOfANestedScriptStaysSecretInTheOuterOne(string secret)
    {
        var inner = ShellScript.Of($"vncpasswd {secret}").Secret(secret);
        var outer = ShellScript.Of($"ssh host {inner}");
        Assert.Contains(secret, outer.Secrets);
        AssertHidden(secret, outer.DisplayText);
        var twice = ShellScript.Of($"sh -c {outer}");
        AssertHidden(secret, twice.DisplayText);
        var doc = new ShellScript().Bytes(new byte[] { (byte)'x' }, $"| sh -c {inner} >/dev/null");
        AssertHidden(secret, doc.DisplayText);
    }

    [Fact]
    public void TheLongestSecretIsMaskedWhole()
    {
        var script = ShellScript.Of($"x {"abcdef"} {"abc"}").Secret("abc").Secret("abcdef");
        Assert.Equal("x ******** ********\n", script.DisplayText);
    }

    [Fact]
    public void EmptyAndNullSecretsAreIgnored()
    {
        var script = ShellScript.Of($"x").Secret(null).Secret("");
        Assert.Empty(script.Secrets);
        Assert.Equal("x\n", script.DisplayText);
    }

    [Fact]
    public void RedactMasksProgramOutputToo() =>
        Assert.Equal("error: ******** rejected", ShellScript.Of($"x").Secret("hunter2").Redact("error: hunter2 rejected"));

    [Fact]
    public void AFragmentCannotBeMadeFromData() =>
        Assert.DoesNotContain(typeof(ShellFragment).GetConstructors(), c => c.IsPublic);
}
