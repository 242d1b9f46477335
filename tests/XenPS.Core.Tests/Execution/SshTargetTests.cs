using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Execution;

public class SshTargetTests
{
    [Theory]
    [InlineData("dom0", "dom0", null, null)]
    [InlineData("root@dom0", "dom0", "root", null)]
    [InlineData("dom0:2222", "dom0", null, 2222)]
    [InlineData("admin@dom0.example.org:22", "dom0.example.org", "admin", 22)]
    [InlineData("[::1]:10022", "::1", null, 10022)]
    [InlineData("root@[fe80::1]", "fe80::1", "root", null)]
    [InlineData("fe80::1", "fe80::1", null, null)]
    [InlineData("127.0.0.1:10022", "127.0.0.1", null, 10022)]
    public void ParsesTheForms(string text, string host, string? user, int? port)
    {
        var t = SshTarget.Parse(text);
        Assert.Equal((host, user, port), (t.Host, t.User, t.Port));
    }

    [Theory]
    [InlineData("-oProxyCommand=sh")]
    [InlineData("dom0:0")]
    [InlineData("dom0:70000")]
    [InlineData("dom0:ssh")]
    [InlineData("@dom0")]
    [InlineData("dom 0")]
    [InlineData("dom0;reboot")]
    [InlineData("[::1")]
    [InlineData("")]
    public void RejectsWhatIsNotAHost(string text) => Assert.ThrowsAny<ArgumentException>(() => SshTarget.Parse(text));

    [Fact]
    public void BuildsAnSshCommandLineThatNeverPromptsAndSharesOneConnection()
    {
        var host = new SshXenHost(SshTarget.Parse("root@dom0:2222"), new SshOptions { ConfigFile = "/tmp/cfg", IdentityFile = "/tmp/key", ControlDirectory = "/tmp/cm" });
        var args = host.BuildSshArguments();
        var text = string.Join(" ", args);
        Assert.Contains("-o BatchMode=yes", text, StringComparison.Ordinal);
        Assert.Contains("-o ControlMaster=auto", text, StringComparison.Ordinal);
        Assert.Contains("-o ControlPath=/tmp/cm/%C", text, StringComparison.Ordinal);
        Assert.Contains("-F /tmp/cfg", text, StringComparison.Ordinal);
        Assert.Contains("-p 2222", text, StringComparison.Ordinal);
        Assert.Contains("-i /tmp/key -o IdentitiesOnly=yes", text, StringComparison.Ordinal);
        Assert.DoesNotContain("StrictHostKeyChecking", text, StringComparison.Ordinal);
        Assert.EndsWith("-- root@dom0 /bin/sh -s", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData(".", true)]
    [InlineData("dom0", false)]
    [InlineData("127.0.0.1:10022", false)]
    public void KnowsWhatIsLocal(string? name, bool local) => Assert.Equal(local, XenHostFactory.Create(name).IsLocal);
}
