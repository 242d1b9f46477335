using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Xl;

/// <summary>The status file protocol of a move without -Live (what the script on the source writes, what XenPS reads).</summary>
public class XenMoveStatusTests
{
    private const string Header = "xenps-move 1\nop 5f0c2e\npid 4711\ndomid 3\nuuid 3f2a8d1c-0b7e-4a34-9d55-1e2f3a4b5c6d\nwas running\nlimit 600\n";

    [Fact]
    public void AFinishedMoveIsReadWithEveryStep()
    {
        var s = XenMoveStatus.Parse(Header +
            "phase saving 1764800000\ntransfer save=0 restore=0 stopped=0 1764800090\nphase checking-destination 1764800090\n" +
            "destination running 1764800091\nend destroyed-source 1764800093\nalive 0\n")!;
        Assert.Equal(("5f0c2e", 4711, 3, true, 600), (s.Operation, s.Pid, s.DomainId, s.WasRunning, s.LimitSeconds));
        Assert.Equal(Guid.Parse("3f2a8d1c-0b7e-4a34-9d55-1e2f3a4b5c6d"), s.Uuid);
        Assert.Equal(new[] { "saving", "checking-destination" }, s.Phases.Select(p => p.Phase));
        Assert.Equal(("0", 0, false, true), (s.SaveExit, s.RestoreExit, s.Stopped, s.TransferSucceeded));
        Assert.Equal(("running", XenMoveStatus.EndDestroyedSource, true, true, false), (s.Destination, s.End, s.IsFinal, s.MovedToDestination, s.InProgress));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764800000), s.Started);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764800093), s.Ended);
    }

    [Fact]
    public void AMoveWithoutAnEndIsInProgressOnlyWhileItsProcessLives()
    {
        var running = XenMoveStatus.Parse(Header + "phase saving 1764800000\nalive 1\n")!;
        Assert.True(running.InProgress);
        Assert.False(running.IsFinal);
        Assert.Equal("saving", running.Phase);
        var killed = XenMoveStatus.Parse(Header + "phase saving 1764800000\nalive 0\n")!;
        Assert.False(killed.InProgress);
        Assert.Contains("ended without a result (its last phase: saving)", killed.Describe("web", "a", "b"), StringComparison.Ordinal);
        Assert.Contains("check both hosts before resuming anything", killed.Describe("web", "a", "b"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("something else\nend destroyed-source 1\n")]
    [InlineData("xenps-move 2\nend destroyed-source 1\n")]
    public void WhatIsNotAStatusFileIsNothing(string? text) => Assert.Null(XenMoveStatus.Parse(text));

    [Fact]
    public void AnUnknownEndOrGarbageLineIsNotTakenForAnEnd()
    {
        var s = XenMoveStatus.Parse(Header + "end everything-fine 1\nend\nphase\ntransfer nonsense\ndestination\nwas\n")!;
        Assert.Null(s.End);
        Assert.False(s.IsFinal);
        Assert.Null(s.SaveExit);
    }

    [Theory]
    [InlineData(XenMoveStatus.EndDestroyedSource, "running", "so the paused original on 'a' was destroyed: 'web' now runs on 'b' only.")]
    [InlineData(XenMoveStatus.EndResumedSource, "absent", "'b' does not list 'web', so 'web' runs on 'a' again.")]
    [InlineData(XenMoveStatus.EndKeptSourcePaused, "absent", "so 'web' stays on 'a', paused as it was before.")]
    [InlineData(XenMoveStatus.EndDestinationUnknown, "unknown", "'a' could not ask 'b' whether it has 'web', so 'web' was left PAUSED on 'a'")]
    [InlineData(XenMoveStatus.EndDestinationHasCopy, "other", "so neither copy runs: 'web' was left PAUSED on 'a'")]
    [InlineData(XenMoveStatus.EndDestroyFailed, "running", "remove the paused copy on 'a' (Stop-XenDomain -Id 3 -ComputerName a -Timeout 1 -Force), never resume it.")]
    [InlineData(XenMoveStatus.EndResumeFailed, "absent", "it is paused there (Resume-XenDomain -Id 3 -ComputerName a).")]
    [InlineData(XenMoveStatus.EndBothRan, "running", "it was paused there again")]
    [InlineData(XenMoveStatus.EndSourceGone, "absent", "'a' no longer lists 'web'")]
    [InlineData(XenMoveStatus.EndSourceSuspended, "absent", "left suspended")]
    public void EveryEndSaysWhereTheGuestIs(string end, string destination, string expected)
    {
        var s = XenMoveStatus.Parse(Header + $"transfer save=0 restore=1 stopped=0 1\ndestination {destination} 1\nend {end} 2\n")!;
        Assert.Equal(end, s.End);
        var text = s.Describe("web", "a", "b");
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.StartsWith("The transfer failed (xl save exit code 0, xl restore exit code 1)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AStoppedTransferSaysSo()
    {
        var s = XenMoveStatus.Parse(Header + "transfer save=1 restore=255 stopped=1 1\ndestination absent 1\nend resumed-source 2\n")!;
        Assert.True(s.Stopped);
        Assert.False(s.TransferSucceeded);
        Assert.StartsWith("The transfer was stopped on 'a' (XenPS went away, or its time limit of 600 s passed)", s.Describe("web", "a", "b"), StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheEndsWithTheGuestOnTheDestinationCountAsMoved()
    {
        var moved = new[] { XenMoveStatus.EndDestroyedSource, XenMoveStatus.EndDestroyFailed, XenMoveStatus.EndBothRan };
        foreach (var end in new[]
                 {
                     XenMoveStatus.EndDestroyedSource, XenMoveStatus.EndResumedSource, XenMoveStatus.EndKeptSourcePaused, XenMoveStatus.EndDestinationUnknown,
                     XenMoveStatus.EndDestinationHasCopy, XenMoveStatus.EndDestroyFailed, XenMoveStatus.EndResumeFailed, XenMoveStatus.EndBothRan,
                     XenMoveStatus.EndSourceGone, XenMoveStatus.EndSourceSuspended,
                 })
        {
            Assert.Equal(moved.Contains(end), XenMoveStatus.Parse(Header + $"end {end} 1\n")!.MovedToDestination);
        }
    }
}
