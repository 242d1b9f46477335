using XenPS.Core.Execution;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Execution;

/// <summary>Classification of real failures captured on the Xen lab.</summary>
public class XlErrorClassifierTests
{
    [Theory]
    [InlineData("xl-list-nonexistent", "XenDomainNotFound", XenErrorKind.ObjectNotFound, "'nosuchdomain'")]
    [InlineData("xl-destroy-nonexistent", "XenDomainNotFound", XenErrorKind.ObjectNotFound, "does not exist")]
    [InlineData("xl-create-duplicate-name", "XenDomainExists", XenErrorKind.ResourceExists, "'guest1' already exists")]
    [InlineData("xl-create-bad-syntax", "XenConfigInvalid", XenErrorKind.InvalidData, "/etc/xen/test/bad-syntax.cfg:3")]
    [InlineData("xl-create-missing-file", "XenConfigNotFound", XenErrorKind.ObjectNotFound, "/etc/xen/test/nope.cfg")]
    [InlineData("xl-create-bad-kernel", "XenGuestFileNotFound", XenErrorKind.ObjectNotFound, "/nonexistent/vmlinuz")]
    [InlineData("devices/03-create-n2-nobridge", "XenBridgeNotFound", XenErrorKind.ObjectNotFound, "'xenbr0'")]
    public void ClassifiesRealFailures(string capture, string id, XenErrorKind kind, string inMessage)
    {
        var result = new CommandResult("xl", TestData.Command(capture).Split(' ').Skip(1).ToArray(), TestData.ExitCode(capture), TestData.Stdout(capture), TestData.Stderr(capture), TimeSpan.Zero);
        Assert.NotEqual(0, result.ExitCode);
        var ex = XlErrorClassifier.Classify(result, TestData.Command(capture), "lab");
        Assert.Equal(id, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Contains(inMessage, ex.Message, StringComparison.Ordinal);
        Assert.Equal(result.ExitCode, ex.ExitCode);
        Assert.Equal(result.StandardError, ex.StandardError);
        Assert.Equal("lab", ex.ComputerName);
    }

    [Fact]
    public void NotADom0OrNotRoot()
    {
        var stderr = "xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n" +
                     "libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\ncannot init xl context\n";
        var ex = XlErrorClassifier.Classify(new CommandResult("xl", new[] { "list" }, 1, "", stderr, TimeSpan.Zero), "xl list", "fbsd1");
        Assert.Equal(("XenNotDom0", XenErrorKind.PermissionDenied), (ex.ErrorId, ex.Kind));
        Assert.Contains("not a running Xen Dom0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARemoteHostWithoutXl()
    {
        var ex = XlErrorClassifier.Classify(new CommandResult("xl", new[] { "list" }, 127, "", "xenps: xl: not found on this host\n", TimeSpan.Zero), "[h] xl list", "h");
        Assert.Equal(("XenToolsNotInstalled", XenErrorKind.NotInstalled), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void AnythingElseIsACommandFailureThatKeepsStderr()
    {
        var ex = XlErrorClassifier.Classify(new CommandResult("xl", new[] { "sched-rtds" }, 1, "", "something odd happened\n", TimeSpan.Zero), "xl sched-rtds", "h");
        Assert.Equal(("XenCommandFailed", XenErrorKind.NotSpecified), (ex.ErrorId, ex.Kind));
        Assert.Contains("something odd happened", ex.Message, StringComparison.Ordinal);
        var crashed = XlErrorClassifier.Classify(new CommandResult("xl", new[] { "create" }, 134, "", "Aborted\n", TimeSpan.Zero), "xl create x", "h");
        Assert.Contains("crashed", crashed.Message, StringComparison.Ordinal);
    }
}
