using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

public class MigrationPlanTests
{
    private const string Base = "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4";

    [Theory]
    [InlineData("xenlab2", Base, "xenlab2")]
    [InlineData("root@xenlab2", Base + " -l root", "xenlab2")]
    [InlineData("admin@dom0b.example.org:2222", Base + " -l admin -p 2222", "dom0b.example.org")]
    [InlineData("[fd00::2]:22", Base + " -p 22", "fd00::2")]
    public void TheSshCommandCarriesTheUserAndPortOfTheAddressOnly(string address, string command, string host)
    {
        var target = XenMigrator.ResolveAddress(new LocalXenHost(), address);
        Assert.Equal((command, host), (string.Join(" ", XenMigrator.BuildSshCommand(target)), target.Host));
    }

    [Fact]
    public void TheDefaultAddressIsTheDestinationsSshTargetButNeverItsIdentityFileOrConfig()
    {
        var destination = new SshXenHost(new SshTarget("dom0b", "root", 2222), new SshOptions { IdentityFile = "/home/me/.ssh/id_xen", ConfigFile = "/home/me/lab.conf" });
        var target = XenMigrator.ResolveAddress(destination, null);
        var command = string.Join(" ", XenMigrator.BuildSshCommand(target));
        Assert.Equal(Base + " -l root -p 2222", command);
        Assert.DoesNotContain("id_xen", command, StringComparison.Ordinal);
        var local = Assert.Throws<XenException>(() => XenMigrator.ResolveAddress(new LocalXenHost(), null));
        Assert.Equal("XenMigrationNoAddress", local.ErrorId);
    }

    [Fact]
    public void TheProgressFollowsXlsRealMessages()
    {
        var lines = File.ReadAllLines(Path.Combine(TestData.Captures, "multihost", "migrate-pvh1-live.stderr"));
        var percents = lines.Select(XenMigrator.PhasePercent).Where(p => p > 0).ToList();
        Assert.Equal(percents.OrderBy(p => p), percents);
        Assert.Equal(100, percents[^1]);
        Assert.Equal(20 + 30, XenMigrator.PhasePercent("xc: progress: Frames: 16384/32768   50%"));
    }

    [Theory]
    [InlineData("dom0a", null, null, "dom0a", null, null)]
    [InlineData("root@dom0a:2222", null, null, "dom0a", "root", 2222)]
    [InlineData("dom0a", "admin", 22, "dom0a", "admin", 22)]
    [InlineData("admin@dom0a", "admin", null, "dom0a", "admin", null)]
    public void SessionsTakeTheUserAndPortFromTheNameOrTheParameters(string name, string? user, int? port, string host, string? eUser, int? ePort)
    {
        var s = XenHostSessions.Create(name, user, port, null);
        Assert.Equal((name, host, eUser, ePort, XenHostSessionState.Opened), (s.ComputerName, s.HostName, s.User, s.Port, s.State));
    }

    [Theory]
    [InlineData("root@dom0a", "admin", null)]
    [InlineData("dom0a:22", null, 2222)]
    [InlineData("localhost", null, null)]
    public void ContradictionsAndTheLocalMachineAreRefused(string name, string? user, int? port)
    {
        Assert.Throws<XenException>(() => XenHostSessions.Create(name, user, port, null));
    }
}
