using System.Diagnostics;
using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

/// <summary>
/// Sessions, -Session/-ComputerName binding and the parallel fan-out through the engine, without network: a stand-in
/// `ssh` (tests/XenPS.Tests/fakes/ssh) first on PATH runs the remote script on this machine with XENPS_FAKE_HOST set
/// to the destination, so the fake xl answers per host; it can refuse a host or make one slow.
/// </summary>
public sealed class MultiHostTests : EngineTest
{
    private readonly string _sshLog;

    public MultiHostTests()
    {
        var ssh = Path.Combine(Xl.Directory, "ssh");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fakes", "ssh"), ssh);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The stand-in ssh is a sh script.");
        File.SetUnixFileMode(ssh, (UnixFileMode)Convert.ToInt32("755", 8));
        _sshLog = Path.Combine(Xl.Directory, "ssh.log");
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_LOG", _sshLog);
        Environment.SetEnvironmentVariable("XENPS_SSH_CONTROL_DIR", Path.Combine(Xl.Directory, "cm"));
        Environment.SetEnvironmentVariable("XENPS_SSH_CONFIG", null);
    }

    protected override void Cleanup()
    {
        Run("Get-XenHostSession | Disconnect-XenHost");
        foreach (var v in new[] { "XENPS_FAKE_SSH_LOG", "XENPS_FAKE_SSH_DOWN", "XENPS_FAKE_SSH_SLOW", "XENPS_SSH_CONTROL_DIR" })
            Environment.SetEnvironmentVariable(v, null);
    }

    private IReadOnlyList<string> SshCalls => File.Exists(_sshLog) ? File.ReadAllLines(_sshLog) : Array.Empty<string>();

    /// <summary>The ssh runs that ran a remote shell (not the control commands -O check/exit).</summary>
    private List<string> ShellRuns => SshCalls.Where(c => c.EndsWith("\t/bin/sh -s", StringComparison.Ordinal)).ToList();

    private static string[] Hosts(RunResult r) => r.Output.Select(o => (string)Prop(o, "ComputerName")!).ToArray();

    [Fact]
    public void QueriesOfSeveralHostsAreMergedAndStampedWithTheirHost()
    {
        var r = Run("Get-XenDomain -ComputerName dom0a, dom0b");
        Assert.Empty(r.Errors);
        var rows = r.Output.Select(o => (string)Prop(o, "ComputerName")! + "/" + (string)Prop(o, "Name")!).OrderBy(x => x, StringComparer.Ordinal);
        Assert.Equal(new[] { "dom0a/Domain-0", "dom0a/guest1", "dom0b/Domain-0", "dom0b/guest1" }, rows);
        Assert.Equal(new[] { "dom0a|list -v", "dom0b|list -v" }, Xl.HostCalls.OrderBy(c => c, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Get-XenHost -ComputerName dom0a, dom0b", 2)]
    [InlineData("Get-XenVCpu -ComputerName dom0a, dom0b", 6)]
    [InlineData("Get-XenUptime -ComputerName dom0a, dom0b", 2)]
    public void EveryQueryCmdletFansOut(string script, int count)
    {
        var r = Run(script);
        Assert.Empty(r.Errors);
        Assert.Equal(count, r.Output.Count);
        Assert.Equal(new[] { "dom0a", "dom0b" }, Hosts(r).Distinct().OrderBy(h => h, StringComparer.Ordinal));
    }

    [Fact]
    public void ARefusedHostIsOneErrorForThatHostOnly()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_DOWN", "dead");
        var r = Run("Get-XenDomain -ComputerName dom0a, dead, dom0b");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenHostUnreachable,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
        Assert.Equal("dead", e.TargetObject);
        Assert.Equal(new[] { "dom0a", "dom0b" }, Hosts(r).Distinct().OrderBy(h => h, StringComparer.Ordinal));
    }

    [Fact]
    public void ASlowHostCostsItsTimeoutNotTheWholeCommand()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_SLOW", "slow=60");
        var watch = Stopwatch.StartNew();
        var r = Run("Get-XenDomain -ComputerName slow, dom0a -TimeoutSec 3");
        watch.Stop();
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenHostTimeout,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
        Assert.Equal("slow", e.TargetObject);
        Assert.Contains("within 3 s", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "dom0a", "dom0a" }, Hosts(r));
        Assert.InRange(watch.Elapsed.TotalSeconds, 2.5, 20);
    }

    [Fact]
    public void ResultsAreWrittenAsEachHostAnswersAndTheHostsRunAtTheSameTime()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_SLOW", "slowa=4 slowb=4");
        // The fast host is listed last but answers first.
        var r = Run("Get-XenHost -ComputerName slowa, dom0a");
        Assert.Equal(new[] { "dom0a", "slowa" }, Hosts(r));

        var watch = Stopwatch.StartNew();
        r = Run("Get-XenHost -ComputerName slowa, slowb");
        var parallel = watch.Elapsed.TotalSeconds;
        Assert.Equal(2, r.Output.Count);
        watch.Restart();
        r = Run("Get-XenHost -ComputerName slowa, slowb -ThrottleLimit 1");
        var serial = watch.Elapsed.TotalSeconds;
        // One at a time, the hosts answer in the order given.
        Assert.Equal(new[] { "slowa", "slowb" }, Hosts(r));
        Assert.True(serial >= 8, $"-ThrottleLimit 1 took {serial:0.0} s, expected two 4 s hosts one after the other");
        Assert.True(parallel < serial - 2.5, $"two 4 s hosts took {parallel:0.0} s in parallel and {serial:0.0} s one at a time");
    }

    [Fact]
    public void AStoppedPipelineStopsTheHostsStillRunning()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_SLOW", "slow=30");
        var watch = Stopwatch.StartNew();
        // Like Select-Object -First 1: the downstream command ends the pipeline after the first object.
        var r = Run("Get-XenDomain -ComputerName dom0a, slow | ForEach-Object { $_; break }");
        Assert.Empty(r.Errors);
        Assert.Single(r.Output);
        Assert.True(watch.Elapsed.TotalSeconds < 20, $"took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void ConnectXenHostOpensOneSessionPerHostAndCmdletsUseIt()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_DOWN", "dead");
        var r = Run("$s = Connect-XenHost -ComputerName dom0a, dead, dom0b -User admin -Port 2222; $s");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenHostUnreachable,XenPS.Commands.ConnectXenHostCommand", e.FullyQualifiedErrorId);
        Assert.Equal("dead", e.TargetObject);
        Assert.Equal(new[] { "dom0a", "dom0b" }, Hosts(r).OrderBy(h => h, StringComparer.Ordinal));
        Assert.All(r.Output, s => Assert.Equal(("admin", 2222, "Opened"), ((string)Prop(s, "User")!, (int)Prop(s, "Port")!, Text(Prop(s, "State")))));
        Assert.Equal("XenPS.XenHostSession", r.Output[0].TypeNames[0]);
        // Connecting ran a command on each host (the master connection is opened at once) and checked the master.
        Assert.Contains(SshCalls, c => c == "admin@dom0a:2222\t/bin/sh -s");
        Assert.Contains(SshCalls, c => c == "admin@dom0a:2222\t-O check");

        var listed = Run("Get-XenHostSession");
        Assert.Equal(new[] { "dom0a", "dom0b" }, Hosts(listed).OrderBy(h => h, StringComparer.Ordinal));
        Assert.Single(Run("Get-XenHostSession -ComputerName dom0b").Output);

        r = Run("Get-XenDomain -Session $s");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "dom0a", "dom0a", "dom0b", "dom0b" }, Hosts(r).OrderBy(h => h, StringComparer.Ordinal));
        // -ComputerName with the name of a session goes through that session (its user and port): here through the
        // session's query channel, which Get-XenDomain opened, so no new ssh at all.
        File.Delete(_sshLog);
        r = Run("Get-XenHost -ComputerName dom0a");
        Assert.Equal("dom0a", Assert.Single(Hosts(r)));
        Assert.Empty(SshCalls);
        Assert.Contains("dom0a|info", Xl.HostCalls);
        Run("Get-XenHostSession | Disconnect-XenHost");
        r = Run("Get-XenHost -ComputerName dom0a");
        Assert.Equal(new[] { "dom0a\t/bin/sh -s" }, ShellRuns);
    }

    /// <summary>The processes of this test's query channels: the fake ssh execs /bin/sh -s, which keeps this test's
    /// XENPS_FAKE_SSH_LOG in its environment.</summary>
    private List<int> ChannelProcesses()
    {
        var marker = "XENPS_FAKE_SSH_LOG=" + _sshLog + "\0";
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(marker, StringComparison.Ordinal)) pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    [Fact]
    public void ASessionAnswersItsQueriesThroughOneLongLivedShellPerHostUntilDisconnected()
    {
        Run("Connect-XenHost dom0a, dom0b");
        File.Delete(_sshLog);

        for (var i = 0; i < 3; i++)
        {
            var r = Run("Get-XenDomain -Session (Get-XenHostSession)");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "dom0a/Domain-0", "dom0a/guest1", "dom0b/Domain-0", "dom0b/guest1" },
                r.Output.Select(o => (string)Prop(o, "ComputerName")! + "/" + (string)Prop(o, "Name")!).OrderBy(x => x, StringComparer.Ordinal));
        }
        var detailed = Run("Get-XenDomain -Session (Get-XenHostSession) -Detailed -Name guest1");
        Assert.All(detailed.Output, o => Assert.True((bool)Prop(o, "IsDetailed")!));
        Assert.Equal(2, Run("Get-XenHost -Session (Get-XenHostSession)").Output.Count);

        // Five queries of each host, and one ssh per host: its query channel.
        Assert.Equal(new[] { "dom0a\t/bin/sh -s", "dom0b\t/bin/sh -s" }, ShellRuns.OrderBy(c => c, StringComparer.Ordinal));
        Assert.Equal(4, Xl.HostCalls.Count(c => c == "dom0a|list -v"));
        Assert.Single(Xl.HostCalls, c => c == "dom0a|list -l");
        Assert.Single(Xl.HostCalls, c => c == "dom0a|info");
        Assert.Equal(2, ChannelProcesses().Count);

        // A change goes through an ssh of its own, as always.
        Xl.MapText("pause 1", "");
        Assert.Empty(Run("Suspend-XenDomain -Session (Get-XenHostSession dom0a) -Name guest1").Errors);
        Assert.Equal(3, ShellRuns.Count);

        // Disconnect-XenHost ends the channels (their ssh processes) with the masters.
        Run("Get-XenHostSession | Disconnect-XenHost");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ChannelProcesses().Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.Empty(ChannelProcesses());
    }

    [Fact]
    public void SessionAndComputerNameTogetherAreRefused()
    {
        var r = Run("$s = Connect-XenHost dom0a; try { Get-XenDomain -Session $s -ComputerName dom0a } catch { $_ }");
        var record = r.Output.Select(o => o.BaseObject).OfType<ErrorRecord>().Single();
        Assert.Equal("XenSessionAndComputerName,XenPS.Commands.GetXenDomainCommand", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.DoesNotContain("dom0a|list -v", Xl.HostCalls);
    }

    [Fact]
    public void DomainsFromManyHostsAreActedOnEachOnItsOwnHost()
    {
        Xl.MapText("pause 1", "");
        var r = Run("Get-XenDomain -ComputerName dom0a, dom0b -Name guest1 | Suspend-XenDomain");
        Assert.Empty(r.Errors);
        Assert.Contains("dom0a|pause 1", Xl.HostCalls);
        Assert.Contains("dom0b|pause 1", Xl.HostCalls);
        Assert.DoesNotContain("localhost|pause 1", Xl.HostCalls);

        // With -Session, the piped ComputerName picks the session of that name.
        r = Run("$s = Connect-XenHost dom0a, dom0b; Get-XenDomain -Session $s -Name guest1 | Resume-XenDomain -Session $s -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("guest1 (id 1) on dom0a", Host.Text, StringComparison.Ordinal);
        Assert.Contains("guest1 (id 1) on dom0b", Host.Text, StringComparison.Ordinal);
        // A piped host that is not one of the sessions is an error for that object.
        r = Run("$a = Get-XenHostSession dom0a; Get-XenDomain -ComputerName dom0b -Name guest1 | Resume-XenDomain -Session $a -WhatIf");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenSessionNotFound,XenPS.Commands.ResumeXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal("dom0b", e.TargetObject);
    }

    [Fact]
    public void DisconnectClosesTheMasterAndTheSessionCanNoLongerBeUsed()
    {
        var r = Run("$s = Connect-XenHost dom0a; Disconnect-XenHost -Session $s -PassThru");
        Assert.Empty(r.Errors);
        Assert.Equal("Closed", Text(Prop(Assert.Single(r.Output), "State")));
        Assert.Contains(SshCalls, c => c == "dom0a\t-O exit");
        Assert.Empty(Run("Get-XenHostSession").Output);
        r = Run("Get-XenDomain -Session $s");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenSessionClosed,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal("dom0a", e.TargetObject);
        var missing = Assert.Single(Run("Disconnect-XenHost -ComputerName nosuch").Errors);
        Assert.Equal("XenSessionNotFound,XenPS.Commands.DisconnectXenHostCommand", missing.FullyQualifiedErrorId);
    }

    [Fact]
    public void EveryHostCmdletTakesSession()
    {
        var r = Run("Get-Command -Module XenPS | Where-Object { $_.Parameters.ContainsKey('ComputerName') -and $_.Name -notmatch 'Connect|Disconnect|HostSession' -and -not $_.Parameters.ContainsKey('Session') } | ForEach-Object Name");
        Assert.Empty(r.Output);
        r = Run("@(Get-Command -Module XenPS | Where-Object { $_.Parameters.ContainsKey('Session') }).Count");
        Assert.Equal(39, (int)r.Output[0].BaseObject);
    }
}
