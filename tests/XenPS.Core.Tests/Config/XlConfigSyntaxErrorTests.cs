using XenPS.Core.Config;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Config;

public class XlConfigSyntaxErrorTests
{
    [Theory]
    // unterminated strings (reported at the opening quote)
    [InlineData("name = \"web01\nmemory = 1\n", 1, 8, "unterminated string")]
    [InlineData("a = 1\nname = 'web01", 2, 8, "unterminated string")]
    [InlineData("extra = \"a\\\nb\"\n", 1, 9, "backslash cannot continue")]
    // characters xl's lexer has no rule for
    [InlineData("memory = 1 + 1\n", 1, 12, "unexpected '+'")]
    [InlineData("memory = -1\n", 1, 10, "unexpected '-'")]
    [InlineData("disk = ('a', 'b')\n", 1, 8, "unexpected '('")]
    [InlineData("disk = ['a')\n", 1, 12, "unexpected ')'")]
    [InlineData("vnc = 1:2\n", 1, 8, "unexpected ':'")]
    [InlineData("memory = 1.5\n", 1, 11, "not Python")]
    [InlineData("on-crash = 'destroy'\n", 1, 3, "unexpected '-'")]
    [InlineData("x = {}\n", 1, 5, "unexpected character '{'")]
    [InlineData("\uFEFFname = 'x'\n", 1, 1, "byte order mark")]
    [InlineData("name = 'x'\rmemory = 1\n", 1, 11, "carriage return")]
    [InlineData("x = 0x1F\n", 1, 8, "unexpected 'F'")]
    // keys are lowercase
    [InlineData("Name = 'x'\n", 1, 1, "keys are lowercase")]
    [InlineData("name = 'x'\nMEMORY = 1\n", 2, 1, "keys are lowercase")]
    [InlineData("memoryMax = 1\n", 1, 7, "keys are lowercase")]
    [InlineData("_name = 1\n", 1, 1, "unexpected character '_'")]
    [InlineData("1name = 1\n", 1, 1, "expected a key")]
    // statements
    [InlineData("name \"web01\"\n", 1, 6, "expected '=' or '+=' after the key 'name'")]
    [InlineData("name\nmemory = 1\n", 1, 5, "missing '=' after the key 'name'")]
    [InlineData("name", 1, 5, "missing '='")]
    [InlineData("name =\n", 1, 7, "expected a value for 'name'")]
    [InlineData("name = ", 1, 8, "expected a value for 'name'")]
    [InlineData("name = web01\n", 1, 8, "text values must be quoted")]
    [InlineData("memory = 128 128\n", 1, 14, "expected a line break or ';' after the value of 'memory'")]
    [InlineData("name = 'a' memory = 1\n", 1, 12, "expected a line break or ';'")]
    [InlineData("name == 'a'\n", 1, 7, "expected a value")]
    [InlineData("= 1\n", 1, 1, "expected a key")]
    [InlineData("'x' = 1\n", 1, 1, "expected a key")]
    [InlineData("memory = 128m\n", 1, 13, "expected a line break or ';'")]
    [InlineData("memory += [1]\nmemory += 2\n", 2, 11, "can't add a \"string\" to the [list]")]
    [InlineData("disk = ['a']\ndisk += 'b'\n", 2, 9, "can't add a \"string\" to the [list]")]
    [InlineData("extra = 'a'\nextra += ['b']\n", 2, 10, "can't add a [list]")]
    // lists
    [InlineData("disk = [ 'a',\n'b'\n", 3, 1, "unclosed list: the '[' of 'disk' at line 1, column 8")]
    [InlineData("disk = [", 1, 9, "unclosed list")]
    [InlineData("disk = [ [ 'a' ]\n", 2, 1, "unclosed list")]
    [InlineData("x = [ , ]\n", 1, 7, "cannot start with ','")]
    [InlineData("x = [ 'a',, ]\n", 1, 11, "two commas")]
    [InlineData("x = [ 'a' 'b' ]\n", 1, 11, "expected ',' or ']'")]
    [InlineData("x = [ 'a'; 'b' ]\n", 1, 10, "expected ',' or ']'")]
    [InlineData("x = [ 'a', = ]\n", 1, 12, "expected a list element or ']'")]
    [InlineData("x = [ 'a' ] ]\n", 1, 13, "expected a line break or ';'")]
    [InlineData("x = ]\n", 1, 5, "expected a value")]
    // escapes xl rejects or mangles
    [InlineData("x = \"a\\qb\"\n", 1, 7, "invalid character 'q' after backslash")]
    [InlineData("x = 'ab\\x41'\n", 1, 8, "'\\x' escapes cannot be used")]
    [InlineData("x = \"\\0\"\n", 1, 6, "octal escape")]
    public void MalformedInputNamesLineAndColumn(string text, int line, int column, string fragment)
    {
        var error = Assert.Throws<XenConfigSyntaxException>(() => XlConfigDocument.Parse(text));
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(fragment, error.Detail, StringComparison.Ordinal);
        Assert.Equal($"xl config line {line}, column {column}: {error.Detail}", error.Message);
        Assert.Equal("XenConfigInvalid", error.ErrorId);
        Assert.Equal(XenErrorKind.InvalidData, error.Kind);
        Assert.IsAssignableFrom<XenException>(error);

        // the typed view throws the same
        var typed = Assert.Throws<XenConfigSyntaxException>(() => XenDomUConfig.Parse(text));
        Assert.Equal((line, column), (typed.Line, typed.Column));
    }

    [Fact]
    public void TheMessageNamesTheFile()
    {
        var error = Assert.Throws<XenConfigSyntaxException>(() =>
            XenDomUConfig.Parse("name = \"web01\"\nmemory = 1024 # MB\nvcpus = two\n", "/usr/local/etc/xen/web01.cfg"));
        Assert.Equal("/usr/local/etc/xen/web01.cfg", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal(9, error.Column);
        Assert.StartsWith("/usr/local/etc/xen/web01.cfg:3:9: expected a value for 'vcpus'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLabsBadSyntaxConfigFailsWhereXlFails()
    {
        var error = Assert.Throws<XenConfigSyntaxException>(() =>
            XlConfigDocument.Parse(ConfigFixtures.Text("invalid/lab-rootfs-bad-syntax.cfg"), "bad-syntax.cfg"));
        Assert.Equal((3, 14), (error.Line, error.Column));
        Assert.StartsWith("bad-syntax.cfg:3:14: expected a line break or ';' after the value of 'memory' but found the number '128'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHandbookTextAsExtractedIsNotValidXlSyntax()
    {
        // Edition 2's extraction lost the line breaks: xl needs a newline or ';' between statements.
        var error = Assert.Throws<XenConfigSyntaxException>(() =>
            XlConfigDocument.Parse(ConfigFixtures.Text("invalid/handbook-freebsd-2-as-extracted.cfg")));
        Assert.Equal((1, 17), (error.Line, error.Column));
        Assert.Contains("the name 'name'", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsAfterCrlfLinesCountLinesAndColumnsCorrectly()
    {
        var error = Assert.Throws<XenConfigSyntaxException>(() => XlConfigDocument.Parse("a = 1\r\n# c\r\nb = [\r\n 'x' 'y'\r\n]\r\n"));
        Assert.Equal((4, 6), (error.Line, error.Column));
    }

    [Fact]
    public void DeepNestingIsRefusedNotACrash()
    {
        var deep = "x = " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var error = Assert.Throws<XenConfigSyntaxException>(() => XlConfigDocument.Parse(deep));
        Assert.Contains("nested", error.Detail, StringComparison.Ordinal);

        var ok = "x = " + new string('[', 150) + new string(']', 150) + "\n";
        Assert.Equal(ok, XlConfigDocument.Parse(ok).ToString());
    }

    [Fact]
    public void DiskSpecErrorsAreSyntaxErrorsToo()
    {
        var error = Assert.Throws<XenConfigSyntaxException>(() => XenDiskSpec.Parse("/dev/zvol/zroot/x,xvda,w"));
        Assert.Contains("unknown value for format", error.Detail, StringComparison.Ordinal);
        Assert.Equal((1, 19), (error.Line, error.Column));
    }
}
