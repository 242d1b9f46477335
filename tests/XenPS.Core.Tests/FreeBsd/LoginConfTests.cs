using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

public class LoginConfTests
{
    private static string Reference => FreeBsdData.Read("login.conf");

    [Theory]
    [InlineData("default", "memorylocked", LoginCapabilityKind.String, "64K")]
    [InlineData("daemon", "memorylocked", LoginCapabilityKind.String, "128M")]
    [InlineData("root", "memorylocked", LoginCapabilityKind.String, "unlimited")]
    [InlineData("default", "ignoretime", LoginCapabilityKind.Cancelled, null)]
    [InlineData("root", "ignorenologin", LoginCapabilityKind.Boolean, null)]
    [InlineData("default", "setenv", LoginCapabilityKind.String, "MAIL=/var/mail/$,BLOCKSIZE=K")]
    [InlineData("russian", "lang", LoginCapabilityKind.String, "ru_RU.UTF-8")]   // "russian|Russian Users Accounts"
    public void ReadsCapabilities(string className, string capability, LoginCapabilityKind kind, string? value)
    {
        var cap = LoginConf.GetCapability(Reference, className, capability)!;
        Assert.Equal(kind, cap.Kind);
        Assert.Equal(value, cap.Value);
    }

    [Fact]
    public void ReadsTheFirstRecordAndTheFirstField()
    {
        // The commented-out example "#default:" further down is a comment, and the first record named default wins.
        var cap = LoginConf.GetCapability(Reference, "default", "memorylocked")!;
        Assert.Equal(35, cap.LineNumber);
        Assert.Null(LoginConf.GetCapability(Reference, "default", "memorylocked-cur"));
        Assert.Equal("1", LoginConf.GetCapability("x:a=1:a=2:\n", "x", "a")!.Value);
    }

    [Fact]
    public void MissingClassIsReported()
    {
        var e = Assert.Throws<XenConfigFileException>(() => LoginConf.EnsureMemoryLockedUnlimited("#default:\\\n#\t:umask=022:\n"));
        Assert.Equal("XenLoginClassNotFound", e.ErrorId);
        Assert.Throws<XenConfigFileException>(() => LoginConf.GetCapability(Reference, "subscriber", "accounted"));
    }

    [Theory]
    [InlineData("\t:memorylocked@:\\")]
    [InlineData("\t:memorylocked:\\")]
    [InlineData("\t:memorylocked#5:\\")]
    [InlineData("\t:memorylocked=128M:\\")]
    public void ReplacesWhateverFieldIsThere(string line)
    {
        var text = Reference.Replace("\t:memorylocked=64K:\\", line, StringComparison.Ordinal);
        var r = LoginConf.EnsureMemoryLockedUnlimited(text);
        Assert.True(r.Changed);
        Assert.Equal(line.Substring(2, line.Length - 4), r.Before);
        Assert.Equal(FreeBsdData.Expected("login.conf"), r.Text);
    }

    [Fact]
    public void InsertsALineBeforeTheLastOneWhenAbsent()
    {
        var text = Reference.Replace("\t:memorylocked=64K:\\\n", string.Empty, StringComparison.Ordinal);
        var r = LoginConf.EnsureMemoryLockedUnlimited(text);
        Assert.True(r.Changed);
        Assert.Null(r.Before);
        Assert.Contains("\t:ignoretime@:\\\n\t:memorylocked=unlimited:\\\n\t:umask=022:\n", r.Text, StringComparison.Ordinal);
        FreeBsdData.AssertOnlyInserted(text, r.Text, 47);
        Assert.Equal("unlimited", LoginConf.GetCapability(r.Text, "default", "memorylocked")!.Value);
        Assert.Equal("022", LoginConf.GetCapability(r.Text, "default", "umask")!.Value);
        Assert.False(LoginConf.EnsureMemoryLockedUnlimited(r.Text).Changed);
    }

    [Fact]
    public void InsertsBeforeTc()
    {
        const string text = "default:\\\n    :umask=022:\\\n    :tc=base:\nbase:\\\n\t:memorylocked=1M:\n";
        var r = LoginConf.EnsureMemoryLockedUnlimited(text);
        Assert.Equal("default:\\\n    :umask=022:\\\n    :memorylocked=unlimited:\\\n    :tc=base:\nbase:\\\n\t:memorylocked=1M:\n", r.Text);
    }

    [Theory]
    [InlineData("default:umask=022:\n", "default:umask=022:memorylocked=unlimited:\n")]
    [InlineData("default:umask=022\n", "default:umask=022:memorylocked=unlimited:\n")]
    [InlineData("default:umask=022:tc=x:\n", "default:umask=022:memorylocked=unlimited:tc=x:\n")]
    [InlineData("default|Default class:\\\n\t:tc=x:\n", "default|Default class:\\\n\t:memorylocked=unlimited:\\\n\t:tc=x:\n")]
    [InlineData("default:\\\r\n\t:umask=022:\r\n", "default:\\\r\n\t:memorylocked=unlimited:\\\r\n\t:umask=022:\r\n")]
    [InlineData("default:\\\n\t:umask=022:", "default:\\\n\t:memorylocked=unlimited:\\\n\t:umask=022:")]
    public void OtherRecordShapes(string text, string expected) =>
        Assert.Equal(expected, LoginConf.EnsureMemoryLockedUnlimited(text).Text);

    [Fact]
    public void OtherClassesAreUntouched()
    {
        const string text = "root:\\\n\t:memorylocked=64K:\\\n\t:tc=default:\ndefault:\\\n\t:memorylocked=64K:\\\n\t:umask=022:\n";
        var r = LoginConf.EnsureMemoryLockedUnlimited(text);
        Assert.Equal("root:\\\n\t:memorylocked=64K:\\\n\t:tc=default:\ndefault:\\\n\t:memorylocked=unlimited:\\\n\t:umask=022:\n", r.Text);
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("a\\c")]
    [InlineData("^X")]
    [InlineData("a\nb")]
    public void UnsafeValuesAreRejected(string value) =>
        Assert.Throws<ArgumentException>(() => LoginConf.SetCapability(Reference, "default", "memorylocked", value));

    [Theory]
    [InlineData("de:fault", "memorylocked")]
    [InlineData("default", "memory locked")]
    [InlineData("default", "memorylocked=1")]
    [InlineData("", "memorylocked")]
    public void InvalidNamesAreRejected(string className, string capability) =>
        Assert.Throws<ArgumentException>(() => LoginConf.SetCapability(Reference, className, capability, "1"));

    [Fact]
    public void DocumentsTheRebuild() => Assert.Equal(new[] { "cap_mkdb", "/etc/login.conf" }, LoginConf.RebuildCommand);
}
