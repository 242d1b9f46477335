using System.Text.Json;
using XenPS.Core.Execution;
using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Execution;

/// <summary>The one redactor of passwords: table tests of xl.cfg, spec, JSON and QEMU-option syntax (tricky quoting,
/// commas, escapes), and the real lab captures that hold passwords (Data/xl-captures/secrets).</summary>
public sealed class SecretRedactorTests
{
    private const string M = SecretRedactor.Mask;

    public static readonly TheoryData<string, string> Table = new()
    {
        // xl.cfg statements: both quotes, spacing, +=, unquoted numbers, several on a line, comments.
        { "vncpasswd = \"s3cret\"\n", $"vncpasswd = \"{M}\"\n" },
        { "vncpasswd='s3cret'\n", $"vncpasswd='{M}'\n" },
        { "  vncpasswd\t=\t\"s3cret\"", $"  vncpasswd\t=\t\"{M}\"" },
        { "vncpasswd += \"s3cret\"", $"vncpasswd += \"{M}\"" },
        { "vncpasswd = 12345678\n", $"vncpasswd = {M}\n" },
        { "spicepasswd = \"sp1ce\"\n", $"spicepasswd = \"{M}\"\n" },
        { "vnc = 1; vncpasswd = \"a\"; vnclisten = \"0.0.0.0\"", $"vnc = 1; vncpasswd = \"{M}\"; vnclisten = \"0.0.0.0\"" },
        { "# vncpasswd = \"old\"\nvncpasswd = \"new\"", $"# vncpasswd = \"{M}\"\nvncpasswd = \"{M}\"" },
        { "VNCPASSWD=\"Upper\"", $"VNCPASSWD=\"{M}\"" },
        // escapes and quotes inside the value: the whole value goes, the closing quote stays.
        { "vncpasswd = \"a\\\"b\\\\c\"", $"vncpasswd = \"{M}\"" },
        { "vncpasswd = 'it\\'s'", $"vncpasswd = '{M}'" },
        { "vncpasswd = \"it's, ok\"", $"vncpasswd = \"{M}\"" },
        { "vncpasswd = 'say \"hi\", ok'", $"vncpasswd = '{M}'" },
        // an unterminated string (xl refuses it; the text may still be shown in an error): the rest of the line goes.
        { "vncpasswd = \"open\nnext = 1", $"vncpasswd = \"{M}\nnext = 1" },
        // empty: no password, nothing to hide.
        { "vncpasswd = \"\"", "vncpasswd = \"\"" },
        { "vncpasswd=''", "vncpasswd=''" },
        // spec strings (PV vfb): the value runs to the next comma or the closing quote, escapes included.
        { "vfb = [ 'vnc=1,vncpasswd=PvS3cr3t' ]", $"vfb = [ 'vnc=1,vncpasswd={M}' ]" },
        { "vfb = [ 'vncpasswd=abc,vnc=1,vncdisplay=7' ]", $"vfb = [ 'vncpasswd={M},vnc=1,vncdisplay=7' ]" },
        { "vfb = [ \"vnc=1, vncpasswd=a b c \" ]", $"vfb = [ \"vnc=1, vncpasswd={M}\" ]" },
        { "vfb = [ \"vnc=1,vncpasswd=it's\" ]", $"vfb = [ \"vnc=1,vncpasswd={M}\" ]" },
        { "vfb = [ 'vnc=1,vncpasswd=it\\'s' ]", $"vfb = [ 'vnc=1,vncpasswd={M}' ]" },
        { "vfb = [ 'vncpasswd=x1y2', 'vnc=1' ]", $"vfb = [ 'vncpasswd={M}', 'vnc=1' ]" },
        { "vfb=['vncpasswd=p;q#r']", $"vfb=['vncpasswd={M}']" },
        { "vfb = [ 'vnc=1,vncpasswd=,sdl=0' ]", "vfb = [ 'vnc=1,vncpasswd=,sdl=0' ]" },
        // JSON (xl list -l: libxl_vnc_info.passwd, libxl_spice_info.passwd), yajl and json-c spacing, escapes.
        { "\"passwd\": \"HvS3cr3t\",", $"\"passwd\": \"{M}\"," },
        { "{\"passwd\":\"a\\\"b\\\\\"}", $"{{\"passwd\":\"{M}\"}}" },
        { "\"vnc\": { \"enable\": \"True\", \"passwd\": \"x\\u0041y\" }", $"\"vnc\": {{ \"enable\": \"True\", \"passwd\": \"{M}\" }}" },
        { "{\"execute\":\"change-vnc-password\",\"arguments\":{\"password\":\"qmp\"}}", $"{{\"execute\":\"change-vnc-password\",\"arguments\":{{\"password\":\"{M}\"}}}}" },
        { "\"passwd\": \"\"", "\"passwd\": \"\"" },
        // QEMU's -spice option list as libxl logs it under xl -vvv; password=on (a flag) stays.
        { "Domain 5:  port=6010,tls-port=0,addr=127.0.0.1,password=Sp1ceS3cr,agent-mouse=on", $"Domain 5:  port=6010,tls-port=0,addr=127.0.0.1,password={M},agent-mouse=on" },
        { "-vnc 127.0.0.1:8,password=on,to=99", "-vnc 127.0.0.1:8,password=on,to=99" },
        { "password-secret=sec0", "password-secret=sec0" },
        // text without a password is returned as it is.
        { "memory = 1024\nvnc = 1\n", "memory = 1024\nvnc = 1\n" },
        { "xvncpasswd = \"not a key of xl\"", "xvncpasswd = \"not a key of xl\"" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void MasksEveryPasswordAndNothingElse(string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(text));
        Assert.Equal(expected, SecretRedactor.Redact(expected)); // idempotent
    }

    [Fact]
    public void TextWithoutAPasswordIsTheSameString()
    {
        var text = "name = \"guest1\"\nmemory = 128\n";
        Assert.Same(text, SecretRedactor.Redact(text));
        Assert.Equal(string.Empty, SecretRedactor.Redact(null));
    }

    [Theory]
    [InlineData("vncpasswd = \"s3cret\"", "s3cret")]
    [InlineData("vncpasswd = 'it\\'s'", "it's")]
    [InlineData("vfb = [ 'vnc=1,vncpasswd=PvS3cr3t,vncdisplay=7' ]", "PvS3cr3t")]
    [InlineData("\"passwd\": \"a\\\"b\"", "a\"b")]
    [InlineData("port=1,password=Sp1ceS3cr,agent-mouse=on", "Sp1ceS3cr")]
    public void FindsTheValuesItMasks(string text, string value) => Assert.Equal(new[] { value }, SecretRedactor.FindSecrets(text));

    [Fact]
    public void KnownValuesAreMaskedAnywhereAlsoEscaped()
    {
        var text = "libxl: vnc password abc\"def rejected (abc\\\"def), short x kept";
        var masked = SecretRedactor.Redact(text, new[] { "abc\"def", "x" });
        Assert.Equal($"libxl: vnc password {M} rejected ({M}), short x kept", masked);
    }

    [Theory]
    [InlineData("secrets/xl-list-l-spice", new[] { "Sp1ceS3cr" })]
    [InlineData("secrets/xl-list-l-secrets", new[] { "Sp1ceS3cr", "PvS3cr3t", "HvS3cr3t" })]
    public void RealXlListLStaysValidJsonWithEveryPasswordMasked(string capture, string[] passwords)
    {
        var raw = TestData.Stdout(capture);
        foreach (var p in passwords) Assert.Contains(p, raw, StringComparison.Ordinal);
        var masked = SecretRedactor.RedactJson(raw)!;
        foreach (var p in passwords) Assert.DoesNotContain(p, masked, StringComparison.Ordinal);
        using var before = JsonDocument.Parse(raw);
        using var after = JsonDocument.Parse(masked);
        Assert.Equal(before.RootElement.GetArrayLength(), after.RootElement.GetArrayLength());
        // Only the passwords changed: the parser reads the same domains, the same VNC settings.
        Assert.Equal(
            XlListJsonParser.Parse(raw).Select(c => (c.DomId, c.Name, c.Vnc?.HasPassword, c.Vnc?.Display)),
            XlListJsonParser.Parse(masked).Select(c => (c.DomId, c.Name, c.Vnc?.HasPassword, c.Vnc?.Display)));
        Assert.Equal(passwords.Length, masked.Split($"\"passwd\": \"{M}\"").Length - 1);
    }

    [Fact]
    public void RealXlVvvCreateLogsTheSpicePasswordAndItIsMasked()
    {
        var stderr = TestData.Stderr("secrets/xl-create-spice-vvv");
        Assert.Contains("password=Sp1ceS3cr", stderr, StringComparison.Ordinal);
        var masked = SecretRedactor.Redact(stderr);
        Assert.DoesNotContain("Sp1ceS3cr", masked, StringComparison.Ordinal);
        Assert.Contains($"addr=127.0.0.1,password={M},agent-mouse=on", masked, StringComparison.Ordinal);
        // Every other line is untouched.
        Assert.Equal(stderr.Split('\n').Length, masked.Split('\n').Length);
        Assert.Single(stderr.Split('\n').Zip(masked.Split('\n')), p => p.First != p.Second);
    }

    [Theory]
    [InlineData("secpv.cfg", "PvS3cr3t")]
    [InlineData("sechvm.cfg", "HvS3cr3t")]
    [InlineData("secspice.cfg", "Sp1ceS3cr")]
    public void RealConfigFilesAreMasked(string file, string password)
    {
        var text = File.ReadAllText(Path.Combine(TestData.Root, "xl-captures", "secrets", file));
        Assert.Contains(password, text, StringComparison.Ordinal);
        var masked = SecretRedactor.Redact(text);
        Assert.DoesNotContain(password, masked, StringComparison.Ordinal);
        Assert.Equal(text.Replace(password, M, StringComparison.Ordinal), masked);
        Assert.Equal(new[] { password }, SecretRedactor.FindSecrets(text));
    }

    [Fact]
    public void AnExceptionNeverCarriesAPassword()
    {
        var result = new CommandResult("xl", new[] { "create", "/etc/xen/a.cfg", "vncpasswd=\"abcd1234\"" }, 3,
            "{\"passwd\": \"HvS3cr3t\"}", "libxl: error: -spice port=1,password=Sp1ceS3cr: failed", TimeSpan.Zero);
        var ex = new XenCommandException("XenCommandFailed", XenErrorKind.NotSpecified, "xl said: password=Sp1ceS3cr", result, "xl create /etc/xen/a.cfg vncpasswd=\"abcd1234\"")
        {
            LogLines = new[] { "qemu-dm: vncpasswd = \"abcd1234\"" },
            RecommendedAction = "try vncpasswd='abcd1234'",
        };
        var all = string.Join("\n", ex.Message, ex.StandardOutput, ex.StandardError, ex.CommandLine, string.Join(" ", ex.Arguments), ex.RecommendedAction);
        foreach (var p in new[] { "abcd1234", "HvS3cr3t", "Sp1ceS3cr" }) Assert.DoesNotContain(p, all, StringComparison.Ordinal);
    }

    [Fact]
    public void AScriptShowsNeitherItsSecretsNorANestedScriptsNorAConfigsPassword()
    {
        var inner = new ShellScript().Secret("n3sted'pw").Line($"printf %s {"n3sted'pw"}");
        var outer = new ShellScript().Line($"sh -c {inner}").Line($"printf %s {"vncpasswd = \"unregistered\"\n"} > /tmp/x.cfg");
        Assert.Contains("n3sted", outer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("n3sted", outer.DisplayText, StringComparison.Ordinal);
        Assert.DoesNotContain("unregistered", outer.DisplayText, StringComparison.Ordinal);
        Assert.Contains($"vncpasswd = \"{M}\"", outer.DisplayText, StringComparison.Ordinal);
    }
}
