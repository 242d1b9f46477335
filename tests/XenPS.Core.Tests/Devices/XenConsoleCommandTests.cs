using XenPS.Core.Devices;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.Execution;
using Xunit;

namespace XenPS.Core.Tests.Devices;

/// <summary>What Enter-XenDomainConsole hands the terminal to: xl console by id on this machine, or ssh -t (a terminal,
/// unlike every other remote command) running the same through the host's PATH set-up; the remote command text, run
/// by the real sh, calls xl with exactly "console ID" whatever the domain is named.</summary>
public sealed class XenConsoleCommandTests
{
    [Fact]
    public void ARemoteConsoleIsSshWithATerminalRunningXlConsoleByItsId()
    {
        var host = new SshXenHost(SshTarget.Parse("root@dom0:2222"), new SshOptions { ConfigFile = "/tmp/cfg", ControlDirectory = "/tmp/cm" });
        var (file, args) = XenConsoleCommand.Build(host, new XenDomain { Name = "web01';touch CANARY;'", Id = 7 });
        Assert.Equal("ssh", file);
        Assert.Contains("-t", args);
        Assert.DoesNotContain("-T", args);
        Assert.DoesNotContain("-s", args);
        var dash = args.ToList().IndexOf("--");
        Assert.Equal(new[] { "--", "root@dom0" }, args.Skip(dash).Take(2));
        Assert.Equal(dash + 3, args.Count);
        Assert.EndsWith("exec xl console 7\n", args[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("web01", args[^1], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheRemoteCommandRunsXlConsoleWithExactlyTheId(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("xl");
        var host = new SshXenHost(SshTarget.Parse("dom0"), new SshOptions { ControlDirectory = "/tmp/cm" });
        var (_, args) = XenConsoleCommand.Build(host, new XenDomain { Name = "x", Id = 12 });
        var run = Assert.Single(box.RunBatch(new[] { args[^1] }));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(new[] { new ToolCall("xl", new[] { "console", "12" }).ToString() }, run.Calls.Select(c => c.ToString()));
        box.AssertNoStrayEffects();
    }

    [Fact]
    public void ALocalConsoleIsXlConsoleByItsId()
    {
        var (file, args) = XenConsoleCommand.Build(new LocalXenHost(), new XenDomain { Name = "web01", Id = 3 });
        Assert.EndsWith("xl", file, StringComparison.Ordinal);
        Assert.Equal(new[] { "console", "3" }, args);
    }
}
