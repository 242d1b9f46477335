using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Execution;

public class CommandRunnerTests
{
    public static readonly TheoryData<string> HostileArguments = new()
    {
        "two words",
        "it's",
        "\"double\"",
        "semi;colon",
        "$(touch /tmp/xenps-pwned)",
        "`id`",
        "back\\slash\\",
        "new\nline",
        "tab\there",
        "",
        "-n",
        "*",
        "ünïcödé",
    };

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public async Task ArgumentsReachTheProgramExactlyAsGiven(string argument)
    {
        // printf writes each argument between markers: no shell ever re-parses it.
        var spec = new CommandSpec("printf", new[] { "<%s>", argument });
        var result = await CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("<" + argument + ">", result.StandardOutput);
        Assert.False(File.Exists("/tmp/xenps-pwned"));
    }

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public async Task QuotedForShTheScriptGivesBackTheSameArgument(string argument)
    {
        // What SshXenHost sends to the remote /bin/sh, run here by the local sh.
        var script = SshXenHost.BuildExecScript("printf", new[] { "<%s>", argument });
        var host = new LocalXenHost();
        var result = await host.RunScriptAsync(script, new HostRunOptions(), CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("<" + argument + ">", result.StandardOutput);
        Assert.False(File.Exists("/tmp/xenps-pwned"));
    }

    [Fact]
    public async Task ExitCodeStdoutAndStderrAreKeptApart()
    {
        var spec = new CommandSpec("sh", new[] { "-c", "echo out; echo err >&2; exit 3" });
        var result = await CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
        Assert.Equal((3, "out\n", "err\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
    }

    [Fact]
    public async Task StandardInputIsFed()
    {
        var spec = new CommandSpec("cat", Array.Empty<string>()) { StandardInput = "line 1\nline 2\n" };
        var result = await CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
        Assert.Equal("line 1\nline 2\n", result.StandardOutput);
    }

    [Fact]
    public async Task LinesAreStreamedAsTheyArrive()
    {
        var lines = new List<string>();
        var spec = new CommandSpec("sh", new[] { "-c", "echo a >&2; echo b >&2" }) { OnStandardErrorLine = l => { lock (lines) lines.Add(l); } };
        await CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
        Assert.Equal(new[] { "a", "b" }, lines);
    }

    [Fact]
    public async Task ATimeoutKillsTheProgramAndSaysSo()
    {
        var started = DateTime.UtcNow;
        var spec = new CommandSpec("sleep", new[] { "30" }) { Timeout = TimeSpan.FromMilliseconds(300) };
        var ex = await Assert.ThrowsAsync<XenCommandTimeoutException>(() => CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None));
        Assert.Equal("XenCommandTimeout", ex.ErrorId);
        Assert.Equal(XenErrorKind.OperationTimeout, ex.Kind);
        Assert.Contains("sleep 30", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task CancellationKillsTheProgram()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;
        var spec = new CommandSpec("sleep", new[] { "30" });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CliWrapCommandRunner.Instance.RunAsync(spec, cts.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AMissingProgramIsNotInstalled()
    {
        var spec = new CommandSpec("xenps-no-such-tool", Array.Empty<string>());
        var ex = await Assert.ThrowsAsync<XenToolNotFoundException>(() => CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None));
        Assert.Equal(XenErrorKind.NotInstalled, ex.Kind);
        Assert.Equal("XenToolNotFound", ex.ErrorId);
        Assert.Contains("XENPS_XENPS_NO_SUCH_TOOL_PATH", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingXlNamesXenTools()
    {
        var ex = new XenToolNotFoundException("xl");
        Assert.Equal("XenToolsNotInstalled", ex.ErrorId);
        Assert.Contains("pkg install xen-kernel xen-tools", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEnvironmentVariableOverridesTheToolPath()
    {
        Assert.Equal("XENPS_CAP_MKDB_PATH", ToolResolver.OverrideVariable("cap_mkdb"));
        Environment.SetEnvironmentVariable("XENPS_XENPSTESTTOOL_PATH", "/opt/somewhere/xenpstesttool");
        try
        {
            Assert.Equal("/opt/somewhere/xenpstesttool", ToolResolver.Resolve("xenpstesttool"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XENPS_XENPSTESTTOOL_PATH", null);
        }
        Assert.Equal("/bin/sh", ToolResolver.Resolve("/bin/sh"));
        Assert.EndsWith("/sh", ToolResolver.Resolve("sh"), StringComparison.Ordinal);
        Assert.Null(ToolResolver.Resolve("xenps-no-such-tool"));
    }

    [Fact]
    public async Task CancellingReturnsEvenWhileAnotherProcessHoldsTheKilledProgramsPipes()
    {
        // Like an ssh that handed its standard output to a master connection: the program is killed, but a process
        // outside its process tree (here an orphaned sleep) keeps its pipes open for a minute. Before the fix the call
        // waited for that minute.
        var marker = Path.Combine(Path.GetTempPath(), "xenps-pipeholder-" + Guid.NewGuid().ToString("N"));
        var spec = new CommandSpec("sh", new[] { "-c", "( sleep 60 & echo $! > \"$1\" ); sleep 60", "sh", marker });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CliWrapCommandRunner.Instance.RunAsync(spec, cts.Token));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the cancelled call took {watch.Elapsed}");
        }
        finally
        {
            if (File.Exists(marker) && int.TryParse(File.ReadAllText(marker).Trim(), out var pid))
            {
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            }
            File.Delete(marker);
        }
    }
}
