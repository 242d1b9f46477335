using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.Execution;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// The query channel of a session (issue 14: no new ssh process and SSH session per query): one long-lived shell
/// runs script after script and gives back each one's exact output, error and exit code. Here its program is a local
/// sh (what ssh HOST /bin/sh -s is on the host), with the sandbox's recording stand-ins first on PATH.
/// </summary>
public sealed class SshQueryChannelTests
{
    private static async Task<SshQueryChannel> Open(ShellSandbox box, string shell = "sh")
    {
        var (program, args) = shell == "sh" ? ("/bin/sh", new[] { "-s" }) : (ShellSandbox.RealTool("busybox"), new[] { "ash", "-s" });
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = box.Bin + ":/usr/bin:/bin",
            ["XENPS_TEST_LOG"] = box.Log,
            ["CANARY"] = box.Canary,
        };
        var channel = await SshQueryChannel.OpenAsync(program, args, ShellScript.Of($"cd {box.Cwd} || exit 1"), TimeSpan.FromSeconds(30), CancellationToken.None, env);
        Assert.NotNull(channel);
        return channel!;
    }

    private static async Task<CommandResult> Run(SshQueryChannel channel, ShellScript script, TimeSpan? timeout = null)
    {
        var result = await channel.RunAsync(script.Text, script.DisplayText, timeout ?? TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.NotNull(result);
        return result!;
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task ScriptAfterScriptEachAnswerIsExactlyWhatTheScriptPrinted(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("xl", "printf 'Name ID\\nDomain-0 0\\n'");
        using var channel = await Open(box, shell);

        var list = await Run(channel, ShellScript.Of($"exec xl list </dev/null"));
        Assert.Equal((0, "Name ID\nDomain-0 0\n", ""), (list.ExitCode, list.StandardOutput, list.StandardError));
        Assert.Equal(new[] { "xl(«list»)" }, box.Calls().Select(c => c.ToString()));

        // No final newline, error text, an exit code: each as it was.
        var mixed = await Run(channel, ShellScript.Of($"printf %s {"no newline"}; printf '%s\\n' {"to stderr"} >&2; exit 3"));
        Assert.Equal((3, "no newline", "to stderr\n"), (mixed.ExitCode, mixed.StandardOutput, mixed.StandardError));

        // Hostile text, blank lines, leading blanks, backslashes and a line that looks like the end of an answer.
        const string hostile = "x';touch \"$CANARY\";' \\n \\\\ $(touch PWNED)\n\n   lead\nxenps-q-0123456789abcdef0123456789abcdef 0\n";
        var echoed = await Run(channel, new ShellScript().Bytes(System.Text.Encoding.UTF8.GetBytes(hostile), $"| cat"));
        Assert.Equal((0, hostile, ""), (echoed.ExitCode, echoed.StandardOutput, echoed.StandardError));

        // A big answer arrives whole.
        var big = await Run(channel, ShellScript.Of($"i=0; while [ $i -lt 4000 ]; do printf '%s\\n' {"0123456789012345678901234567890123456789"}; i=$((i + 1)); done"));
        Assert.Equal(4000 * 41, big.StandardOutput.Length);

        // exit ends only that script; nothing it sets is seen by the next; it cannot read the channel.
        Assert.Equal(7, (await Run(channel, ShellScript.Of($"xenps_x=set; cd / ; exit 7"))).ExitCode);
        var clean = await Run(channel, ShellScript.Of($"printf '%s %s\\n' \"${{xenps_x-unset}}\" \"$(pwd)\"; cat; printf '%s\\n' {"after"}"));
        Assert.Equal($"unset {box.Cwd}\nafter\n", clean.StandardOutput);
        var missing = await Run(channel, ShellScript.Of($"no-such-tool-xenps"));
        Assert.Equal(127, missing.ExitCode);
        Assert.False(channel.IsClosed);
        box.AssertNoStrayEffects();
    }

    [Fact]
    public async Task AScriptThatRunsOutOfTimeKillsTheChannel()
    {
        using var box = new ShellSandbox("sh");
        box.PassThrough("sleep");
        var channel = await Open(box);

        var error = await Assert.ThrowsAsync<XenCommandTimeoutException>(() =>
            channel.RunAsync(ShellScript.Of($"printf '%s\\n' {"partial"}; sleep 30").Text, "sleep 30", TimeSpan.FromMilliseconds(500), CancellationToken.None));

        Assert.Equal("partial\n", error.StandardOutput);
        Assert.True(channel.IsClosed);
        Assert.Null(await channel.RunAsync(ShellScript.Of($"true").Text, "true", TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task ACancelledScriptKillsTheChannel()
    {
        using var box = new ShellSandbox("sh");
        box.PassThrough("sleep");
        var channel = await Open(box);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            channel.RunAsync(ShellScript.Of($"sleep 30").Text, "sleep 30", TimeSpan.FromSeconds(60), cancel.Token));

        Assert.True(channel.IsClosed);
    }

    [Fact]
    public async Task AChannelWhoseProgramEndedGivesNoAnswerSoTheQueryCanRunOnItsOwn()
    {
        using var box = new ShellSandbox("sh");
        var channel = await Open(box);

        // The loop's shell itself is ended (what a lost connection does to ssh).
        Assert.Null(await channel.RunAsync(ShellScript.Of($"kill -9 $$").Text, "kill", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.True(channel.IsClosed);
    }

    [Fact]
    public async Task AProgramThatEndsBeforeTheLoopIsReadyOpensNoChannel()
    {
        using var box = new ShellSandbox("sh");
        var channel = await SshQueryChannel.OpenAsync("/bin/sh", new[] { "-s" }, ShellScript.Of($"exit 255"), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Null(channel);
    }

    [Fact]
    public void TheLoopRunsEachRequestInASubshellWithoutTheChannelAsInput()
    {
        var loop = SshQueryChannel.LoopScript("ready-1").Text;
        Assert.Contains("( eval \"$xenps_script\" ) </dev/null\n", loop, StringComparison.Ordinal);
        Assert.Contains("IFS= read -r xenps_line || exit 0\n", loop, StringComparison.Ordinal);
        var bootstrap = SshQueryChannel.Bootstrap(ShellScript.Of($"PATH=/x"), "ready-1").Text;
        Assert.StartsWith("PATH=/x\nexec /bin/sh -c '", bootstrap, StringComparison.Ordinal);
    }
}
