using System.Collections.Concurrent;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Xl;

/// <summary>Get-XenDomain -Detailed reads xl list and xl list -l at the same time; a guest that restarts in between
/// (on_reboot="restart" gives it a new id) must not lose its details to that race.</summary>
public class XlClientDetailedTests
{
    /// <summary>Answers xl list with a real capture, and xl list -l with the real capture of guest1 whose domid is
    /// taken, call after call, from <paramref name="longIds"/> (the last one repeats; -1: guest1 is not in the JSON,
    /// as when xl list -l runs while xl's daemon recreates it).</summary>
    private sealed class RestartingXl : ICommandRunner
    {
        private readonly int[] _longIds;
        public readonly ConcurrentQueue<string> Calls = new();
        private int _longCalls;

        public RestartingXl(params int[] longIds) => _longIds = longIds;

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            var args = string.Join(" ", spec.Arguments);
            Calls.Enqueue(args);
            string stdout;
            if (args == "list -v") stdout = TestData.Stdout("xl-list-after-create");
            else if (args == "list -l")
            {
                var n = Interlocked.Increment(ref _longCalls) - 1;
                var id = _longIds[Math.Min(n, _longIds.Length - 1)];
                stdout = id < 0 ? "[\n]\n" : TestData.Stdout("xl-list-l-guest1").Replace("\"domid\": 1,", $"\"domid\": {id},", StringComparison.Ordinal);
            }
            else if (args == "sched-credit2") stdout = TestData.Stdout("devices-xenps/xl-sched-credit2");
            else throw new InvalidOperationException("unexpected xl " + args);
            return Task.FromResult(new CommandResult(spec.FileName, spec.Arguments, 0, stdout, "", TimeSpan.Zero));
        }
    }

    private static XlClient Client(ICommandRunner runner) => new(new LocalXenHost(runner));

    [Fact]
    public async Task AGuestThatRestartedBetweenTheTwoReadsIsReadAgainAndKeepsItsDetails()
    {
        var xl = new RestartingXl(7, 1);
        var domains = await Client(xl).ListDetailedAsync(CancellationToken.None);
        var guest1 = domains.Single(d => d.Name == "guest1");
        Assert.True(guest1.IsDetailed);
        Assert.Equal(1, guest1.Id);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", guest1.Kernel);
        Assert.Equal(2, xl.Calls.Count(c => c == "list -l"));
        Assert.Equal(2, xl.Calls.Count(c => c == "list -v"));
    }

    [Fact]
    public async Task AGuestMissingFromTheJsonIsReadAgainAndKeepsItsDetails()
    {
        var xl = new RestartingXl(-1, 1);
        var domains = await Client(xl).ListDetailedAsync(CancellationToken.None);
        var guest1 = domains.Single(d => d.Name == "guest1");
        Assert.True(guest1.IsDetailed);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", guest1.Kernel);
        Assert.Equal(2, xl.Calls.Count(c => c == "list -l"));
    }

    [Fact]
    public async Task AGuestAlwaysMissingFromTheJsonIsShownWithoutDetailsAfterThreeReads()
    {
        var xl = new RestartingXl(-1);
        var domains = await Client(xl).ListDetailedAsync(CancellationToken.None);
        Assert.False(domains.Single(d => d.Name == "guest1").IsDetailed);
        Assert.Equal(3, xl.Calls.Count(c => c == "list -l"));
    }

    [Fact]
    public async Task AGuestThatKeepsRestartingIsShownWithoutDetailsAfterThreeReads()
    {
        var xl = new RestartingXl(7);
        var domains = await Client(xl).ListDetailedAsync(CancellationToken.None);
        Assert.False(domains.Single(d => d.Name == "guest1").IsDetailed);
        Assert.Equal(3, xl.Calls.Count(c => c == "list -l"));
    }

    [Fact]
    public async Task ADomainMissingFromTheJsonWithoutAnotherIdIsNotReadAgain()
    {
        // Domain-0 is not in this xl list -l output at all: tolerated, shown without details, no second read.
        var xl = new RestartingXl(1);
        var domains = await Client(xl).ListDetailedAsync(CancellationToken.None);
        Assert.False(domains.Single(d => d.Id == 0).IsDetailed);
        Assert.True(domains.Single(d => d.Name == "guest1").IsDetailed);
        Assert.Single(xl.Calls, c => c == "list -l");
    }
}
