using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>What xl's daemon did with an instance, read from real xl-NAME.log files of the lab (Data/xl-daemon-logs):
/// an HVM guest without an OS that SeaBIOS rebooted 13 times (on_reboot="restart") before xl destroy, and a PV guest
/// shut down with xl shutdown -w (on_poweroff="destroy").</summary>
public class XlDaemonLogParserTests
{
    private static string[] Log(string name) =>
        File.ReadAllText(Path.Combine(TestData.Root, "xl-daemon-logs", name + ".log")).Split('\n');

    private const string Restarts = "xl-hvm1-restarts-then-destroyed";
    private const string PowerOff = "xl-guest1-poweroff";

    [Theory]
    [InlineData(Restarts, 1, XlDaemonOutcome.Restarting)]
    [InlineData(Restarts, 13, XlDaemonOutcome.Restarting)]
    [InlineData(Restarts, 14, XlDaemonOutcome.Exited)]
    [InlineData(Restarts, 15, XlDaemonOutcome.Unknown)]
    [InlineData(PowerOff, 15, XlDaemonOutcome.Exited)]
    [InlineData(PowerOff, 1, XlDaemonOutcome.Unknown)]
    public void TheWholeLogTellsWhatBecameOfEachInstance(string log, int id, XlDaemonOutcome expected) =>
        Assert.Equal(expected, XlDaemonLogParser.Outcome(Log(log), id));

    /// <summary>The log read while the daemon is at work: cut after each line in turn.</summary>
    [Theory]
    [InlineData(Restarts, 14, "Waiting for domain hvm1 (domid 14)", XlDaemonOutcome.Watching)]
    [InlineData(Restarts, 13, "Domain 13 has shut down", XlDaemonOutcome.Watching)]
    [InlineData(Restarts, 13, "Action for shutdown reason code 1 is restart", XlDaemonOutcome.Restarting)]
    [InlineData(Restarts, 13, "Domain 13 needs to be cleaned up", XlDaemonOutcome.Restarting)]
    [InlineData(PowerOff, 15, "Domain 15 needs to be cleaned up", XlDaemonOutcome.Watching)]
    [InlineData(PowerOff, 15, "Done. Exiting now", XlDaemonOutcome.Exited)]
    public void APartlyWrittenLogTellsWhatIsKnownSoFar(string log, int id, string lastLine, XlDaemonOutcome expected)
    {
        var lines = Log(log);
        var cut = Array.FindLastIndex(lines, l => l.StartsWith(lastLine, StringComparison.Ordinal));
        Assert.True(cut >= 0, lastLine);
        Assert.Equal(expected, XlDaemonLogParser.Outcome(lines.Take(cut + 1), id));
    }

    [Theory]
    [InlineData("rename-restart", XlDaemonOutcome.Restarting)]
    [InlineData("coredump-restart", XlDaemonOutcome.Restarting)]
    [InlineData("soft-reset", XlDaemonOutcome.Restarting)]
    [InlineData("preserve", XlDaemonOutcome.Watching)]
    [InlineData("coredump-destroy", XlDaemonOutcome.Watching)]
    public void EveryActionThatRecreatesTheDomainCountsAsARestart(string action, XlDaemonOutcome expected)
    {
        var lines = new[] { "Waiting for domain web (domid 7) to die [pid 90]", "Domain 7 has shut down, reason code 3 0x3", $"Action for shutdown reason code 3 is {action}" };
        Assert.Equal(expected, XlDaemonLogParser.Outcome(lines, 7));
    }

    [Fact]
    public void LinesOfOtherInstancesAndLibxlNoiseAreIgnored()
    {
        var lines = new[]
        {
            "Waiting for domain a (domid 70) to die [pid 90]",
            "libxl: error: libxl_domain.c:1: something about domain 7",
            "Domain 70 has shut down, reason code 1 0x1",
            "Action for shutdown reason code 1 is restart",
            "Domain 7 has been destroyed.",
        };
        Assert.Equal(XlDaemonOutcome.Exited, XlDaemonLogParser.Outcome(lines, 7));
        Assert.Equal(XlDaemonOutcome.Restarting, XlDaemonLogParser.Outcome(lines, 70));
    }
}
