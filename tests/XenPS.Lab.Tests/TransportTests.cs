using System.Management.Automation;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>
/// XenPS.Core's SSH transport against a real remote sh: quoting, the shared master connection, remote files. The
/// Core types are driven through the engine, from the shipped assemblies the module loaded (this test assembly does
/// not reference XenPS.Core, so no second copy of it or of CliWrap is involved).
/// </summary>
public sealed class TransportTests : LabTest
{
    private const string H = LabFixture.Host1;
    // XenPS.Core.dll loads lazily, when a cmdlet first needs it; load it from the module folder so its types resolve.
    private const string NewHost = "[void][System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine((Get-Module XenPS).ModuleBase, 'XenPS.Core.dll'));" +
                                   "$h = [XenPS.Core.Hosts.XenHostFactory]::Create('" + H + "');";
    private const string None = "[System.Threading.CancellationToken]::None";

    public TransportTests(LabFixture lab) : base(lab) { }

    private dynamic Eval(string script, object? argument = null) => EvalObject(script, argument);

    /// <summary>The single output object as a PSObject (dynamic access to a PSObject reaches the wrapped object's
    /// members, so BaseObject must be read through this typed form).</summary>
    private PSObject EvalObject(string script, object? argument = null)
    {
        var r = Engine.Run(script, new Dictionary<string, object?> { ["arg"] = argument });
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        return Assert.Single(r.Output);
    }

    public static readonly TheoryData<string> Hostile = new()
    {
        "two words", "it's", "\"double\"", "semi;colon", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "a|b&c", "back\\slash",
        "new\nline", "", "-n", "*", "~root", "$HOME", "ünïcödé",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileArgumentsArriveIntactOnTheRemoteHost(string argument)
    {
        var result = Eval(NewHost + "$h.RunAsync('printf', [string[]]@('<%s>', $arg), [XenPS.Core.Hosts.HostRunOptions]::new(), " + None + ").GetAwaiter().GetResult()", argument);
        Assert.Equal(0, (int)result.ExitCode);
        Assert.Equal("<" + argument + ">", (string)result.StandardOutput);
        Assert.NotEqual(0, Lab.Ssh(H, "test -e /tmp/pwned").ExitCode);
    }

    [Fact]
    public void ExitCodeAndStderrOfTheRemoteCommandComeBack()
    {
        var result = Eval(NewHost + "$h.RunAsync('sh', [string[]]@('-c', 'echo out; echo err >&2; exit 7'), [XenPS.Core.Hosts.HostRunOptions]::new(), " + None + ").GetAwaiter().GetResult()");
        Assert.Equal((7, "out\n", "err\n"), ((int)result.ExitCode, (string)result.StandardOutput, (string)result.StandardError));
    }

    [Fact]
    public void OneMasterConnectionIsSharedByEveryCall()
    {
        string Count() => Lab.SshOk(H, "grep -c 'Accepted publickey' /var/log/sshd.log || true").Trim();
        Eval(NewHost + "[void]$h.CloseMasterAsync(" + None + ").GetAwaiter().GetResult(); $h.RunAsync('true', [string[]]@(), [XenPS.Core.Hosts.HostRunOptions]::new(), " + None + ").GetAwaiter().GetResult().ExitCode");
        // ssh -O check talks to the master through its socket: it is up.
        var args = ((System.Collections.IEnumerable)EvalObject(NewHost + ",$h.BuildSshArguments()").BaseObject).Cast<object>().Select(o => o.ToString()!).TakeWhile(a => a != "--")
            .Concat(new[] { "-O", "check", "--", H }).ToArray();
        var check = LabFixture.RunProcess("ssh", args, TimeSpan.FromSeconds(20));
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("Master running", check.Stderr, StringComparison.Ordinal);
        // Later calls reuse it: sshd logs no new authentication for them. (The oracle's ssh keeps a master of its own,
        // from the lab's ssh_config, so reading the log adds none either.)
        var before = int.Parse(Count(), System.Globalization.CultureInfo.InvariantCulture);
        Eval(NewHost + "1..5 | ForEach-Object { $h.RunAsync('true', [string[]]@(), [XenPS.Core.Hosts.HostRunOptions]::new(), " + None + ").GetAwaiter().GetResult() } | Out-Null; 'done'");
        var after = int.Parse(Count(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(before, after);
        // A new master (after closing it) does authenticate once: the count is a real measure.
        Eval(NewHost + "[void]$h.CloseMasterAsync(" + None + ").GetAwaiter().GetResult(); $h.RunAsync('true', [string[]]@(), [XenPS.Core.Hosts.HostRunOptions]::new(), " + None + ").GetAwaiter().GetResult().ExitCode");
        Assert.Equal(after + 1, int.Parse(Count(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RemoteFilesAreReadAndWrittenAtomically()
    {
        Lab.SshOk(H, "rm -rf '/root/fs test' && mkdir -p '/root/fs test' && printf 'old\\n' > '/root/fs test/rc.conf' && chmod 640 '/root/fs test/rc.conf'");
        const string content = "hostname=\"dom0\"\n# $(reboot) `id` 'q'\nno final newline";
        const string newFs = NewHost + "$fs = [XenPS.Core.Hosts.HostFileSystem]::new($h, $null);";
        var written = Eval(newFs + "$fs.WriteFileAtomicAsync([XenPS.Core.Hosts.FileWrite]::new('/root/fs test/rc.conf', $arg, [NullString]::Value), $true, " + None + ").GetAwaiter().GetResult()", content);
        Assert.Equal(content, (string)EvalObject(newFs + "$fs.ReadFileAsync('/root/fs test/rc.conf', " + None + ").GetAwaiter().GetResult()").BaseObject);
        Assert.Equal("old\n", Lab.SshOk(H, $"cat '{(string)written.BackupPath}'"));
        Assert.Equal("640", Lab.SshOk(H, "stat -c %a '/root/fs test/rc.conf'").Trim());
        Assert.True((bool)EvalObject(newFs + "$null -eq $fs.ReadFileAsync('/root/fs test/missing', " + None + ").GetAwaiter().GetResult()").BaseObject);

        // A fault after the first rename of a batch: every file is left old, no temporary file remains.
        var r = Engine.Run(newFs + "$fs.GetType().GetProperty('FailAfterRenames', [Reflection.BindingFlags]'NonPublic,Instance').SetValue($fs, 1);" +
            "$fs.WriteFilesAtomicAsync([XenPS.Core.Hosts.FileWrite[]]@([XenPS.Core.Hosts.FileWrite]::new('/root/fs test/rc.conf', \"new 1`n\", [NullString]::Value), " +
            "[XenPS.Core.Hosts.FileWrite]::new('/root/fs test/loader.conf', \"new 2`n\", [NullString]::Value)), $true, " + None + ").GetAwaiter().GetResult()");
        Assert.True(r.HadErrors);
        Assert.Contains("injected fault", r.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(content, Lab.SshOk(H, "cat '/root/fs test/rc.conf'"));
        Assert.NotEqual(0, Lab.Ssh(H, "test -e '/root/fs test/loader.conf'").ExitCode);
        Assert.Equal("", Lab.SshOk(H, "ls -a '/root/fs test' | grep '\\.xenps\\.' || true").Trim());
    }

    /// <summary>Runs "sleep SECONDS" through the transport (a script, or a single program), cancels the token after
    /// <paramref name="cancelAfterMs"/>, and returns what the call ended with.</summary>
    private string RunAndCancel(bool supervised, bool script, int seconds, int cancelAfterMs) =>
        EvalObject(NewHost +
            "$o = [XenPS.Core.Hosts.HostRunOptions]::new(); $o.Supervised = $" + (supervised ? "true" : "false") + "; $o.Timeout = [TimeSpan]::FromSeconds(120);" +
            "$cts = [System.Threading.CancellationTokenSource]::new(); $cts.CancelAfter(" + cancelAfterMs + ");" +
            (script
                ? "$s = [XenPS.Core.Execution.ShellScript]::Of([System.Runtime.CompilerServices.FormattableStringFactory]::Create('sleep " + seconds + "', [object[]]@()));" +
                  "$t = $h.RunScriptAsync($s, $o, $cts.Token);"
                : "$t = $h.RunAsync('sleep', [string[]]@('" + seconds + "'), $o, $cts.Token);") +
            "try { $null = $t.GetAwaiter().GetResult(); 'finished' } catch { $_.Exception.GetType().Name }").BaseObject.ToString()!;

    private bool RemoteSleepRuns(int seconds) => Lab.Ssh(H, $"pgrep -f '^sleep {seconds}$'").ExitCode == 0;

    [Fact]
    public void CancellingASupervisedRunStopsTheRemoteProgramWithinSeconds()
    {
        Lab.Ssh(H, "pkill -f '^sleep 31[0-9]$'");
        // The hole, on real sshd: without supervision the remote program outlives the cancellation (no terminal, no
        // SIGHUP; sshd keeps it running).
        Assert.Contains("Cancel", RunAndCancel(supervised: false, script: true, 317, 5000), StringComparison.Ordinal);
        Thread.Sleep(5000);
        Assert.True(RemoteSleepRuns(317), "expected the unsupervised remote sleep to go on");
        Lab.Ssh(H, "pkill -f '^sleep 317$'");

        // Supervised (a script, and a single program): the remote work is stopped within a few seconds.
        foreach (var (script, seconds) in new[] { (true, 318), (false, 319) })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Contains("Cancel", RunAndCancel(supervised: true, script, seconds, 5000), StringComparison.Ordinal);
            Assert.True(LabFixture.WaitFor(() => !RemoteSleepRuns(seconds), 15), $"the remote sleep {seconds} still runs after the cancellation");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"took {watch.Elapsed}");
        }
    }

    [Fact]
    public void TheSupervisedRunGivesBackExitCodeAndOutputAndLeavesNoHelperBehind()
    {
        var result = Eval(NewHost + "$o = [XenPS.Core.Hosts.HostRunOptions]::new(); $o.Supervised = $true;" +
                          "$h.RunAsync('sh', [string[]]@('-c', 'echo out; echo err >&2; exit 7'), $o, " + None + ").GetAwaiter().GetResult()");
        Assert.Equal((7, "out\n", "err\n"), ((int)result.ExitCode, (string)result.StandardOutput, (string)result.StandardError));
        // The lifeline's cat does not outlive the run (nothing else on the Dom0 runs cat).
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "pgrep -x cat").ExitCode != 0, 10), Lab.Ssh(H, "ps -ef").Stdout);
    }

    [Fact]
    public void RemoteFilesKeepTheirBytesAndAConcurrentEditIsRefused()
    {
        // A Latin-1 file with CRLF, a 0xFF and a NUL, written on the Dom0 itself.
        Lab.SshOk(H, "rm -rf '/root/fs bytes' && mkdir -p '/root/fs bytes' && printf '# caf\\351\\r\\nx=1\\n\\377\\000end' > '/root/fs bytes/l1.conf'");
        const string newFs = NewHost + "$fs = [XenPS.Core.Hosts.HostFileSystem]::new($h, $null); $p = '/root/fs bytes/l1.conf';";
        Assert.Equal("23 20 63 61 66 e9 0d 0a 78 3d 31 0a ff 00 65 6e 64",
            (string)EvalObject(newFs + "($fs.ReadFileBytesAsync($p, " + None + ").GetAwaiter().GetResult() | ForEach-Object { $_.ToString('x2') }) -join ' '").BaseObject);

        // Edited through the text the editors see: only the edited bytes change.
        EvalObject(newFs + "$t = $fs.ReadFileAsync($p, " + None + ").GetAwaiter().GetResult(); $w = [XenPS.Core.Hosts.FileWrite]::new($p, $t.Replace('x=1', 'x=2'), [NullString]::Value);" +
            "$w.Expected = [XenPS.Core.Hosts.FileExpectation]::Of($t); $fs.WriteFileAtomicAsync($w, $false, " + None + ").GetAwaiter().GetResult()");
        Assert.Equal("23 20 63 61 66 e9 0d 0a 78 3d 32 0a ff 00 65 6e 64", string.Join(" ", Lab.SshOk(H, "od -An -v -tx1 '/root/fs bytes/l1.conf'").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));

        // Compare-and-swap on the remote host: a file that is no longer what was read is left alone.
        var r = Engine.Run(newFs + "$w = [XenPS.Core.Hosts.FileWrite]::new($p, 'mine', [NullString]::Value); $w.Expected = [XenPS.Core.Hosts.FileExpectation]::Of('what I read');" +
            "$fs.WriteFileAtomicAsync($w, $true, " + None + ").GetAwaiter().GetResult()");
        Assert.True(r.HadErrors);
        Assert.Contains("/root/fs bytes/l1.conf on " + H + " changed since it was read; nothing was written", r.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("l1.conf", Lab.SshOk(H, "ls -a '/root/fs bytes' | grep -v '^\\.\\.\\?$'").Trim());
        Lab.SshOk(H, "rm -rf '/root/fs bytes'");
    }

    [Fact]
    public void AnUnknownHostKeyIsRefusedNeverAccepted()
    {
        // The same Dom0 through a config whose known_hosts does not know it: BatchMode refuses, never auto-accepts.
        var config = Path.Combine(Lab.RunDir, "ssh_config.unknown-key");
        var lines = File.ReadAllLines(Lab.SshConfig).Select(l => l.TrimStart().StartsWith("UserKnownHostsFile", StringComparison.OrdinalIgnoreCase) ? "    UserKnownHostsFile /dev/null" : l);
        File.WriteAllLines(config, lines);
        Environment.SetEnvironmentVariable("XENPS_SSH_CONFIG", config);
        // A separate control directory: the shared master of the other tests would otherwise answer without a handshake.
        Environment.SetEnvironmentVariable("XENPS_SSH_CONTROL_DIR", Path.Combine(Lab.RunDir, "xenps-cm-unknown-key"));
        try
        {
            var r = Run($"Get-XenHost -ComputerName {H}");
            var e = Assert.Single(r.Errors);
            Assert.Equal("XenHostUnreachable,XenPS.Commands.GetXenHostCommand", e.FullyQualifiedErrorId);
            Assert.Contains("Host key verification failed", e.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XENPS_SSH_CONFIG", Lab.SshConfig);
            Environment.SetEnvironmentVariable("XENPS_SSH_CONTROL_DIR", Path.Combine(Lab.RunDir, "xenps-cm"));
        }
    }
}
