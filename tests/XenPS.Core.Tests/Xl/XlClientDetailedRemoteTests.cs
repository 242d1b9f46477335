using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.Execution;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Xl;

/// <summary>
/// Get-XenDomain -Detailed on a remote host reads xl list and xl list -l in ONE script, so one SSH round trip per host
/// (it was two ssh runs). The script runs for real under dash and BusyBox ash, with a recording stand-in xl that
/// replays real captures, behind an <see cref="SshXenHost"/> whose "ssh" hands the script to that shell.
/// </summary>
public sealed class XlClientDetailedRemoteTests
{
    /// <summary>The ssh client as far as XenPS can tell: counts the runs, and the script runs in the sandbox's shell.</summary>
    private sealed class ShellAsSsh(ShellSandbox box) : ICommandRunner
    {
        public int Runs;
        public readonly List<string> Scripts = new();

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            Assert.Equal("ssh", spec.FileName);
            Assert.Equal(new[] { "/bin/sh", "-s" }, spec.Arguments.TakeLast(2));
            Interlocked.Increment(ref Runs);
            lock (Scripts) Scripts.Add(spec.StandardInput!);
            return box.CommandRunner.RunAsync(new CommandSpec("sh", new[] { "-s" }) { StandardInput = spec.StandardInput, Timeout = spec.Timeout }, cancellationToken);
        }
    }

    private sealed class Recorder : IXenOutput
    {
        public readonly List<string> Verbose = new();
        public readonly List<string> Debug = new();

        public void WriteVerbose(string text)
        {
            lock (Verbose) Verbose.Add(text);
        }

        public void WriteDebug(string text)
        {
            lock (Debug) Debug.Add(text);
        }

        public void WriteWarning(string text)
        {
        }
    }

    /// <summary>A stand-in xl: "list" replays a capture, "list -l" the capture of guest1 under the domid taken, call
    /// after call, from <paramref name="longIds"/> (the last repeats), anything else fails like xl.</summary>
    private static (XlClient Client, ShellAsSsh Ssh, Recorder Output) Remote(ShellSandbox box, string listCapture = "xl-list-after-create", int listExit = 0, int longExit = 0, params int[] longIds)
    {
        longIds = longIds.Length == 0 ? new[] { 1 } : longIds;
        for (var i = 0; i < longIds.Length; i++)
        {
            File.WriteAllText(Path.Combine(box.Root, $"long-{i}"),
                TestData.Stdout("xl-list-l-guest1").Replace("\"domid\": 1,", $"\"domid\": {longIds[i]},", StringComparison.Ordinal));
        }
        File.WriteAllText(Path.Combine(box.Root, "list"), TestData.Stdout(listCapture));
        var root = ShellScript.QuoteWord(box.Root);
        box.Tool("xl",
            $"cd {root} || exit 99\n" +
            $"if [ \"$*\" = list ] || [ \"$*\" = 'list -v' ]; then cat list; exit {listExit}; fi\n" +
            "if [ \"$*\" = 'list -l' ]; then\n" +
            "  n=$(cat counter 2>/dev/null || echo 0); echo $((n + 1)) > counter\n" +
            $"  if [ -f long-$n ]; then cat long-$n; else cat long-{longIds.Length - 1}; fi\n" +
            $"  exit {longExit}\n" +
            "fi\n" +
            // A credit2 host: sched-credit2 lists weight and cap (Domain-0 and guest1, id 1), sched-credit fails.
            "if [ \"$*\" = sched-credit2 ]; then printf 'Cpupool Pool-0: tslice=10ms ratelimit=1000us migr_resist=500us\\nName                                ID Weight  Cap\\nDomain-0                             0    256    0\\nguest1                               1    512   40\\n'; exit 0; fi\n" +
            "echo \"xl: unknown command $*\" >&2; exit 1");
        var ssh = new ShellAsSsh(box);
        var output = new Recorder();
        var host = new SshXenHost(new SshTarget("dom0"), new SshOptions { ControlDirectory = Path.Combine(box.Root, "cm") }, ssh);
        return (new XlClient(host, output), ssh, output);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task BothListsComeFromOneSshRun(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat");
        var (client, ssh, output) = Remote(box);

        var domains = await client.ListDetailedAsync(CancellationToken.None);

        Assert.Equal(1, ssh.Runs);
        Assert.Equal(new[] { "xl(«list», «-v»)", "xl(«list», «-l»)", "xl(«sched-credit2»)", "xl(«sched-credit»)" }, box.Calls().Where(c => c.Tool == "xl").Select(c => c.ToString()));
        Assert.Equal(new[] { "Domain-0", "guest1" }, domains.Select(d => d.Name));
        var guest1 = domains.Single(d => d.Name == "guest1");
        // Weight and cap from the same run (the host's scheduler is credit2).
        Assert.Equal((512, 40), (guest1.Weight, guest1.Cap));
        Assert.True(guest1.IsDetailed);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", guest1.Kernel);
        Assert.Equal("dom0", guest1.ComputerName);
        Assert.False(domains.Single(d => d.Id == 0).IsDetailed);
        // Verbose shows the one script that ran; Debug both outputs, under the one command line.
        Assert.Single(output.Verbose, v => v.Contains("xl list -v </dev/null", StringComparison.Ordinal) && v.Contains("xl list -l </dev/null || exit", StringComparison.Ordinal) && v.Contains("xl sched-credit2", StringComparison.Ordinal));
        Assert.Single(output.Debug, d => d.StartsWith("[dom0] xl list -v; xl list -l -> exit code 0", StringComparison.Ordinal) && d.Contains("guest-vmlinuz", StringComparison.Ordinal));
        box.AssertNoStrayEffects();
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AGuestThatRestartedBetweenTheTwoReadsIsReadAgainInOneMoreRun(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat");
        var (client, ssh, _) = Remote(box, longIds: new[] { 7, 1 });

        var guest1 = (await client.ListDetailedAsync(CancellationToken.None)).Single(d => d.Name == "guest1");

        Assert.True(guest1.IsDetailed);
        Assert.Equal(1, guest1.Id);
        Assert.Equal(2, ssh.Runs);
        Assert.Equal(2, box.Calls().Count(c => c.ToString() == "xl(«list», «-l»)"));
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AFailedXlListStopsTheScriptAndIsReportedAsXlList(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat");
        var (client, ssh, _) = Remote(box, listExit: 3);

        var error = await Assert.ThrowsAnyAsync<XenCommandException>(() => client.ListDetailedAsync(CancellationToken.None));

        Assert.Equal(3, error.ExitCode);
        Assert.Contains("[dom0] xl list -v", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xl list -l", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, ssh.Runs);
        Assert.DoesNotContain(box.Calls(), c => c.ToString() == "xl(«list», «-l»)");
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AFailedXlListLongIsReportedAsXlListLong(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat");
        var (client, _, _) = Remote(box, longExit: 4);

        var error = await Assert.ThrowsAnyAsync<XenCommandException>(() => client.ListDetailedAsync(CancellationToken.None));

        Assert.Equal(4, error.ExitCode);
        Assert.Contains("[dom0] xl list -l", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AHostWithoutXlSaysSo(string shell)
    {
        using var box = new ShellSandbox(shell);
        var ssh = new ShellAsSsh(box);
        var host = new SshXenHost(new SshTarget("dom0"), new SshOptions { ControlDirectory = Path.Combine(box.Root, "cm") }, ssh);

        var error = await Assert.ThrowsAnyAsync<XenException>(() => new XlClient(host).ListDetailedAsync(CancellationToken.None));

        Assert.Contains("xl", error.Message, StringComparison.Ordinal);
        Assert.Equal(XenErrorKind.NotInstalled, error.Kind);
    }

    [Fact]
    public void TheOutputIsSplitOnlyAtAWholeSeparatorLine()
    {
        const string sep = "xenps-list-l-0123";
        Assert.Equal(("a\nb\n", "[]\n"), XlClient.SplitDetailedOutput("a\nb\n" + sep + "\n[]\n", sep));
        Assert.Equal(("", "[]\n"), XlClient.SplitDetailedOutput(sep + "\n[]\n", sep));
        Assert.Equal(("a\n", ""), XlClient.SplitDetailedOutput("a\n" + sep + "\n", sep));
        // Not a whole line: a domain name that merely contains or starts with it, or no final newline.
        Assert.Null(XlClient.SplitDetailedOutput("x" + sep + "\n[]\n", sep));
        Assert.Null(XlClient.SplitDetailedOutput("a\n" + sep + "x\n[]\n", sep));
        Assert.Null(XlClient.SplitDetailedOutput("a\n" + sep, sep));
        Assert.Null(XlClient.SplitDetailedOutput("a\nb\n", sep));
        // The first whole line wins; whatever xl list -l prints after it stays in the JSON part.
        Assert.Equal(("a\n", "[]\n" + sep + "\n"), XlClient.SplitDetailedOutput("a\n" + sep + "\n[]\n" + sep + "\n", sep));
    }

    [Fact]
    public async Task EachCallHasItsOwnRandomSeparatorSoNoDomainNameCanForgeIt()
    {
        using var box = new ShellSandbox("sh");
        box.PassThrough("cat");
        var (client, ssh, _) = Remote(box);

        await client.ListDetailedAsync(CancellationToken.None);
        await client.ListDetailedAsync(CancellationToken.None);

        var separators = ssh.Scripts.Select(s => System.Text.RegularExpressions.Regex.Match(s, @"printf '%s\\n' '?(xenps-list-l-[0-9a-f]{32})'?\n").Groups[1].Value).ToList();
        Assert.Equal(2, separators.Count);
        Assert.All(separators, s => Assert.NotEqual("", s));
        Assert.NotEqual(separators[0], separators[1]);
        Assert.EndsWith("xl sched-credit </dev/null 2>/dev/null\nexit 0\n", ssh.Scripts[0], StringComparison.Ordinal);
    }
}
