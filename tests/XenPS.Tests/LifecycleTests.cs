using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

/// <summary>Power and state cmdlets through the engine, where the Pester suite (tests/pester/Lifecycle.Tests.ps1) cannot
/// reach: the "What if" host text, confirmation prompts answered one by one, progress records, xl's daemon log and the
/// restart settle over time. (The same cmdlets run against a real Xen in tests/XenPS.Lab.Tests.)</summary>
public sealed class LifecycleTests : EngineTest
{
    private const string AfterDestroy = "xl-list-after-destroy";

    [Fact]
    public void WhatIfShowsTheTargetAndChangesNothing()
    {
        Run("Stop-XenDomain guest1 -WhatIf; Remove-XenDomain guest1 -WhatIf");
        Assert.Contains("What if: Performing the operation \"Shut down (xl shutdown)\" on target \"guest1 (id 1) on localhost\".", Host.Text, StringComparison.Ordinal);
        Assert.Contains("on target \"guest1 (id 1) on localhost\"", Host.Text, StringComparison.Ordinal);
        Assert.All(Xl.Calls, c => Assert.Equal("list", c));
    }

    [Fact]
    public void RemoveAsksForConfirmationAndNoMeansNo()
    {
        Xl.MapText("destroy 1", "").After("destroy 1", "list", AfterDestroy);
        Host.ChoiceAnswers.Enqueue(2); // No
        Run("Remove-XenDomain guest1");
        Assert.Single(Host.Prompts);
        Assert.DoesNotContain("destroy 1", Xl.Calls);
        Host.ChoiceAnswers.Enqueue(0); // Yes
        var r = Run("Remove-XenDomain guest1");
        Assert.Empty(r.Errors);
        Assert.Contains("destroy 1", Xl.Calls);
        Assert.Equal(2, Host.Prompts.Count);
    }




    [Fact]
    public void AGuestThatIgnoresShutdownTimesOutAndForceDestroysIt()
    {
        Xl.Sleep("shutdown -w guest1", 30);
        var r = Run("Stop-XenDomain guest1 -Timeout 1");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenStopTimeout,XenPS.Commands.StopXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
        Assert.Equal("guest1", e.TargetObject);
        Assert.DoesNotContain("destroy 1", Xl.Calls);

        Xl.MapText("destroy 1", "").After("destroy 1", "list", AfterDestroy);
        r = Run("Stop-XenDomain guest1 -Timeout 1 -Force");
        Assert.Empty(r.Errors);
        Assert.Contains(r.Warnings, w => w.Contains("destroying", StringComparison.Ordinal));
        Assert.Contains("destroy 1", Xl.Calls);
        Assert.Contains(Host.Progress, p => p.Activity.Contains("Stopping guest1", StringComparison.Ordinal));
    }

    private const string ListGuest1 = "Name                                        ID   Mem VCPUs\tState\tTime(s)\n" +
                                      "Domain-0                                     0  1024     2     r-----     573.4\n";

    private static string Guest1Row(int id) => $"guest1                                      {id,2}   128     1     -b----       1.0\n";

    /// <summary>xl's daemon log in a log directory of the test's own ($env:XENPS_XEN_LOG_DIR).</summary>
    private string DaemonLog(params string[] lines)
    {
        var dir = Directory.CreateTempSubdirectory("xenps-xllog-").FullName;
        File.WriteAllText(Path.Combine(dir, "xl-guest1.log"), string.Join("\n", lines) + "\n");
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", dir);
        _logDir = dir;
        return dir;
    }

    private string? _logDir;

    protected override void Cleanup()
    {
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", null);
        if (_logDir is not null) Directory.Delete(_logDir, recursive: true);
    }

    /// <summary>A guest that reboots instead of shutting down is recreated by xl's daemon under a new id, about 2 s
    /// after the old instance is gone: that is no stop. Without -Force it is an error that says so; with -Force the new
    /// instance is destroyed too.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AGuestThatRestartsInsteadOfStoppingIsNotReportedStoppedAndForceDestroysTheNewInstance(bool force)
    {
        DaemonLog("Waiting for domain guest1 (domid 1) to die [pid 282]", "Domain 1 has shut down, reason code 1 0x1",
            "Action for shutdown reason code 1 is restart", "Domain 1 needs to be cleaned up: destroying the domain", "Done. Rebooting now",
            "Waiting for domain guest1 (domid 2) to die [pid 282]");
        Xl.MapText("list", ListGuest1 + Guest1Row(1))
          .MapText("shutdown -w guest1", "", "Shutting down domain 1\nWaiting for 1 domains\nDomain 1 has been shut down, reason code 1\n")
          .AfterText("shutdown -w guest1", "list", ListGuest1 + Guest1Row(2))
          .MapText("destroy 2", "").AfterText("destroy 2", "list", ListGuest1);
        var r = Run($"Stop-XenDomain guest1 -Timeout 0 -Verbose -PassThru -Force:${force.ToString().ToLowerInvariant()}");
        Assert.Contains(r.Verbose, v => v.Contains("guest1 restarted as id 2 instead of shutting down.", StringComparison.Ordinal));
        if (!force)
        {
            var e = Assert.Single(r.Errors);
            Assert.Equal("XenStopTimeout,XenPS.Commands.StopXenDomainCommand", e.FullyQualifiedErrorId);
            Assert.Equal("guest1", e.TargetObject);
            Assert.Contains("restarted (now id 2) instead of shutting down within 0 s", e.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("destroy", StringComparison.Ordinal));
            Assert.Empty(r.Output);
            return;
        }
        Assert.Empty(r.Errors);
        Assert.Contains(r.Warnings, w => w.Contains("restarted (now id 2) instead of shutting down within 0 s: destroying it", StringComparison.Ordinal));
        Assert.Equal(new[] { "destroy 2" }, Xl.Calls.Where(c => c.StartsWith("destroy", StringComparison.Ordinal)));
        Assert.Equal("---s--", (string)Prop(Assert.Single(r.Output), "StateText")!);
    }

    /// <summary>xl destroy racing a reboot the guest began just before: the instance that comes back is destroyed too.</summary>
    [Fact]
    public void AnInstanceThatComesBackAfterDestroyIsDestroyedToo()
    {
        Xl.MapText("list", ListGuest1 + Guest1Row(1))
          .MapText("destroy 1", "").AfterText("destroy 1", "list", ListGuest1 + Guest1Row(2))
          .MapText("destroy 2", "").AfterText("destroy 2", "list", ListGuest1);
        var r = Run("Remove-XenDomain guest1 -Confirm:$false -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "destroy 1", "destroy 2" }, Xl.Calls.Where(c => c.StartsWith("destroy", StringComparison.Ordinal)));
        Assert.Contains(r.Verbose, v => v.Contains("came back as id 2", StringComparison.Ordinal));
    }

    /// <summary>Without a word from xl's daemon log, the name must stay out of xl list for the settle time, counted
    /// from the list that saw the instance gone to the start of the last look; a log that says the daemon is done
    /// ends the wait at the first look.</summary>
    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 60)]
    public void TheNameMustStayGoneUnlessXlsDaemonSaysItIsDone(bool destroyedInLog, int settleSeconds)
    {
        if (destroyedInLog) DaemonLog("Waiting for domain guest1 (domid 1) to die [pid 282]", "Domain 1 has been destroyed.");
        else DaemonLog("some other file");
        Environment.SetEnvironmentVariable("XENPS_RESTART_SETTLE_SEC", settleSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Xl.MapText("list", ListGuest1 + Guest1Row(1)).MapText("destroy 1", "").AfterText("destroy 1", "list", ListGuest1);
        var r = Run("Remove-XenDomain guest1 -Confirm:$false");
        Assert.Empty(r.Errors);
        var after = Xl.TimedCalls.SkipWhile(c => c.Arguments != "destroy 1").Skip(1).ToList();
        Assert.All(after, c => Assert.Equal("list", c.Arguments));
        // One list sees instance 1 gone; then the name is looked for: once when the log says "destroyed"; otherwise
        // every second until a look begins the settle time later (a loaded machine fits fewer looks in it).
        if (destroyedInLog)
        {
            Assert.Equal(2, after.Count);
            return;
        }
        Assert.InRange(after.Count, 3, 10);
        var stayedGone = after[^1].At - after[0].At;
        Assert.True(stayedGone >= TimeSpan.FromSeconds(settleSeconds),
            $"the last look began {stayedGone.TotalSeconds:0.000} s after the list that saw instance 1 gone, less than the settle time of {settleSeconds} s");
    }



}
