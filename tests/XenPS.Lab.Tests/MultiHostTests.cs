using System.Globalization;
using System.Management.Automation;
using Xunit;
using Xunit.Abstractions;
using XenPS.Tests.Hosting;

namespace XenPS.Lab.Tests;

/// <summary>
/// Sessions, fan-out, migration, checkpoints and logs between the two real Xen hosts of the lab (xenlab1 = A,
/// xenlab2 = B), checked with raw xl over the plain ssh client. The Dom0s reach each other as xenlab1/xenlab2 (their
/// /root/.ssh/config), which is also how the test host names them, so Move-XenDomain's default destination address
/// works as it is.
///
/// Debian's Xen 4.17 has no shadow paging: a PV guest cannot be migrated live here (log-dirty mode is missing); PVH
/// guests migrate live, and PV guests move with Move-XenDomain without -Live (xl save -p piped into xl restore).
/// Everything is slow under TCG: a 128 MiB guest takes 2-4 minutes to move.
/// </summary>
public sealed class MultiHostTests : LabTest
{
    private const string A = LabFixture.Host1;
    private const string B = LabFixture.Host2;
    private readonly ITestOutputHelper _log;

    public MultiHostTests(LabFixture lab, ITestOutputHelper log) : base(lab)
    {
        _log = log;
        Run("Get-XenHostSession | Disconnect-XenHost");
    }

    private RunResult RunOk(string script)
    {
        var r = Run(script);
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return r;
    }

    private int AcceptedLogins(string host) =>
        int.Parse(Lab.SshOk(host, "grep -c 'Accepted publickey' /var/log/sshd.log || true").Trim(), CultureInfo.InvariantCulture);

    private bool Listed(string host, string name) => Lab.Ssh(host, $"xl list {name}").ExitCode == 0;

    private string StateOf(string host, string name) => Lab.Ssh(host, $"xl list {name} | awk 'NR==2 {{print $5}}'").Stdout.Trim();

    /// <summary>Creates a guest with raw xl and waits until its console says GUEST-BOOTED (the busybox init runs,
    /// so it answers shutdown and suspend requests).</summary>
    private void CreateBooted(string host, string config, string name)
    {
        Lab.SshOk(host, $"rm -f /var/log/xen/console/guest-{name}.log");
        Lab.XlCreate(host, config, name);
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(host, $"grep -q GUEST-BOOTED /var/log/xen/console/guest-{name}.log").ExitCode == 0, 240), $"{name} did not boot on {host}");
    }

    private void CleanBoth()
    {
        Lab.CleanGuests(A);
        Lab.CleanGuests(B);
    }

    [Fact]
    public void SessionsOpenOneMasterEachAndEveryLaterCallReusesIt()
    {
        // Start without a master connection, so that opening one is seen in sshd's log.
        RunOk($"Connect-XenHost {A}, {B} | Disconnect-XenHost");
        var before = (AcceptedLogins(A), AcceptedLogins(B));
        var r = RunOk($"$s = Connect-XenHost -ComputerName {A}, {B}; $s");
        Assert.Equal(new[] { A, B }, r.Output.Select(o => (string)Prop(o, "ComputerName")!).OrderBy(x => x, StringComparer.Ordinal));
        Assert.All(r.Output, o => Assert.Equal(("Opened", "Linux"), (Text(Prop(o, "State")), (string)Prop(o, "OperatingSystem")!)));
        Assert.Equal((before.Item1 + 1, before.Item2 + 1), (AcceptedLogins(A), AcceptedLogins(B)));

        // Ten commands over both sessions: no new login on either host.
        for (var i = 0; i < 5; i++) RunOk("Get-XenDomain -Session $s | Out-Null; Get-XenHost -Session $s | Out-Null");
        Assert.Equal((before.Item1 + 1, before.Item2 + 1), (AcceptedLogins(A), AcceptedLogins(B)));
        // -ComputerName with a session's name goes through that session too.
        RunOk($"Get-XenDomain -ComputerName {A}, {B} | Out-Null");
        Assert.Equal((before.Item1 + 1, before.Item2 + 1), (AcceptedLogins(A), AcceptedLogins(B)));

        r = RunOk("Get-XenHostSession | Disconnect-XenHost -PassThru");
        Assert.All(r.Output, o => Assert.Equal("Closed", Text(Prop(o, "State"))));
        var closed = Run("Get-XenDomain -Session $s");
        Assert.Equal(2, closed.Errors.Count);
        Assert.All(closed.Errors, e => Assert.Equal("XenSessionClosed,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId));
    }

    [Fact]
    public void GetXenDomainMergesBothHostsAndADeadHostIsOneError()
    {
        CleanBoth();
        Lab.XlCreate(A, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        var r = Run($"Get-XenDomain -ComputerName {A}, 127.0.0.1:1, {B} -TimeoutSec 60");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenHostUnreachable,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal("127.0.0.1:1", e.TargetObject);
        var rows = r.Output.Select(o => $"{Prop(o, "ComputerName")}/{Prop(o, "Name")}/{Prop(o, "Id")}").OrderBy(x => x, StringComparer.Ordinal).ToList();
        var raw = new[] { A, B }.SelectMany(h => Lab.SshOk(h, "xl list").Split('\n').Skip(1).Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(t => $"{h}/{t[0]}/{t[1]}")).OrderBy(x => x, StringComparer.Ordinal).ToList();
        Assert.Equal(raw, rows);
        Assert.Contains($"{A}/tiny/", string.Join(" ", rows), StringComparison.Ordinal);
        Lab.CleanGuests(A);
    }

    [Fact]
    public void StopXenDomainFromAPipelineOfBothHostsActsOnEachDomainOnItsOwnHost()
    {
        CleanBoth();
        CreateBooted(A, "/etc/xen/test/guest1.cfg", "guest1");
        CreateBooted(B, "/etc/xen/test/guest1.cfg", "guest1");
        var r = RunOk($"Get-XenDomain -ComputerName {A}, {B} -Name guest1 | Stop-XenDomain -Timeout 120 -PassThru -Confirm:$false");
        Assert.Equal(new[] { A, B }, r.Output.Select(o => (string)Prop(o, "ComputerName")!).OrderBy(x => x, StringComparer.Ordinal));
        Assert.False(Listed(A, "guest1"));
        Assert.False(Listed(B, "guest1"));
    }

    [Fact]
    public void APvhGuestMigratesLiveFromAToB()
    {
        CleanBoth();
        CreateBooted(A, "/etc/xen/test/pvh1.cfg", "pvh1");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = RunOk($"$b = Connect-XenHost {B}; Move-XenDomain pvh1 -ComputerName {A} -Destination $b -Live -Wait -TimeoutSec 900 -Confirm:$false");
        _log.WriteLine($"Move-XenDomain pvh1 -Live -Wait: {watch.Elapsed.TotalSeconds:0} s");
        dynamic moved = Assert.Single(r.Output);
        Assert.Equal(("pvh1", B), ((string)moved.Name, (string)moved.ComputerName));
        Assert.Equal("PVH", Text(RunOk($"Get-XenDomain pvh1 -ComputerName {B} -Detailed").Output[0].Properties["Type"].Value));
        // Running on B (not paused, not shut down), gone from A.
        Assert.True(Listed(B, "pvh1"));
        Assert.DoesNotContain('p', StateOf(B, "pvh1").Substring(0, 3));
        Assert.Equal((int)moved.Id, int.Parse(Lab.SshOk(B, "xl domid pvh1").Trim(), CultureInfo.InvariantCulture));
        Assert.False(Listed(A, "pvh1"));
        // The progress came from xl's own messages.
        Assert.Contains(Host.Progress, p => p.StatusDescription.StartsWith("Migration successful.", StringComparison.Ordinal));
        // The guest still runs: its CPU time grows on B.
        var t1 = double.Parse(Lab.SshOk(B, "xl list pvh1 | awk 'NR==2 {print $6}'").Trim(), CultureInfo.InvariantCulture);
        Thread.Sleep(5000);
        var t2 = double.Parse(Lab.SshOk(B, "xl list pvh1 | awk 'NR==2 {print $6}'").Trim(), CultureInfo.InvariantCulture);
        Assert.True(t2 > t1, $"pvh1 does not run on {B} (CPU time {t1} then {t2})");
        Lab.CleanGuests(B);
    }

    [Fact]
    public void APvGuestCannotMigrateLiveHereStaysOnAAndMovesWithoutLive()
    {
        CleanBoth();
        CreateBooted(A, "/etc/xen/test/guest1.cfg", "guest1");

        // Live: this Xen has no log-dirty mode for PV guests. A clear error, and the guest runs on at A.
        var r = Run($"Move-XenDomain guest1 -ComputerName {A} -Destination {B} -Live -Wait -TimeoutSec 900 -Confirm:$false");
        Assert.Empty(r.Output);
        var e = Assert.Single(r.Errors);
        _log.WriteLine(e.Exception.Message);
        Assert.Equal("XenMigrationFailed,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Contains("Failed to enable logdirty", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("shadow paging", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"'guest1' still runs on '{A}'", e.Exception.Message, StringComparison.Ordinal);
        Assert.True(Listed(A, "guest1"));
        Assert.DoesNotContain('p', StateOf(A, "guest1").Substring(0, 3));
        Assert.False(Listed(B, "guest1"));
        Assert.False(Listed(B, "guest1--incoming"));

        // Not live: paused while copied (xl save -p | ssh B xl restore), then destroyed on A.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        r = RunOk($"Move-XenDomain guest1 -ComputerName {A} -Destination {B} -Wait -TimeoutSec 900 -Confirm:$false");
        _log.WriteLine($"Move-XenDomain guest1 (not live) -Wait: {watch.Elapsed.TotalSeconds:0} s");
        Assert.Equal(B, (string)Prop(Assert.Single(r.Output), "ComputerName")!);
        Assert.True(Listed(B, "guest1"));
        Assert.False(Listed(A, "guest1"));
        Assert.DoesNotContain('p', StateOf(B, "guest1").Substring(0, 3));
        Lab.CleanGuests(B);
    }

    [Fact]
    public void AMigrationRefusedForLackOfMemoryOnBLeavesTheGuestRunningOnA()
    {
        CleanBoth();
        Lab.XlCreate(A, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        // Fill B: a paused domain that leaves less free memory than tiny (32 MiB) needs.
        var free = int.Parse(Lab.SshOk(B, "xl info free_memory").Trim(), CultureInfo.InvariantCulture);
        Lab.SshOk(B, $"xl create -p /etc/xen/test/tiny-paused.cfg 'name=\"filler\"' memory={free - 16} maxmem={free - 16}", 300);
        var left = int.Parse(Lab.SshOk(B, "xl info free_memory").Trim(), CultureInfo.InvariantCulture);
        Assert.True(left < 32, $"{B} still has {left} MiB free");

        var r = Run($"Move-XenDomain tiny -ComputerName {A} -Destination {B} -Live -Confirm:$false");
        var e = Assert.Single(r.Errors);
        _log.WriteLine(e.Exception.Message);
        Assert.Equal("XenInsufficientMemory,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, e.CategoryInfo.Category);
        Assert.Contains($"'{B}' has {left} MiB of free memory; 'tiny' needs 32 MiB", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"still runs on '{A}'", e.Exception.Message, StringComparison.Ordinal);
        Assert.True(Listed(A, "tiny"));
        Assert.False(Listed(B, "tiny"));
        CleanBoth();
    }

    [Fact]
    public void SaveAndRestoreRoundTripAPvGuest()
    {
        Lab.CleanGuests(A);
        CreateBooted(A, "/etc/xen/test/guest1.cfg", "guest1");
        Lab.SshOk(A, "rm -f /root/guest1.save");
        var r = RunOk($"Save-XenDomain guest1 -ComputerName {A} -Path /root/guest1.save -Confirm:$false");
        dynamic checkpoint = Assert.Single(r.Output);
        Assert.Equal(("/root/guest1.save", "guest1", A), ((string)checkpoint.Path, (string)checkpoint.Name, (string)checkpoint.ComputerName));
        Assert.False(Listed(A, "guest1"));
        Assert.Equal(long.Parse(Lab.SshOk(A, "stat -c %s /root/guest1.save").Trim(), CultureInfo.InvariantCulture), (long?)checkpoint.SizeBytes);
        // The checkpoint holds the guest's memory and config: root only (xl alone would make it 0644 under umask 022).
        Assert.Equal("600 root", Lab.SshOk(A, "stat -c '%a %U' /root/guest1.save").Trim());

        r = RunOk($"Get-XenHost -ComputerName {A} | Out-Null; Restore-XenDomain -Path /root/guest1.save -ComputerName {A} -Confirm:$false");
        dynamic restored = Assert.Single(r.Output);
        Assert.Equal(("guest1", A), ((string)restored.Name, (string)restored.ComputerName));
        Assert.True(Listed(A, "guest1"));
        Assert.Equal((int)restored.Id, int.Parse(Lab.SshOk(A, "xl domid guest1").Trim(), CultureInfo.InvariantCulture));
        Assert.DoesNotContain('p', StateOf(A, "guest1").Substring(0, 3));
        Lab.SshOk(A, "rm -f /root/guest1.save");
        Lab.CleanGuests(A);
    }

    /// <summary>"running", "paused", "other" (shut down, suspended, dying) or "none", from raw xl list.</summary>
    private string Condition(string host, string name)
    {
        if (!Listed(host, name)) return "none";
        var state = StateOf(host, name);
        return state.Length < 6 ? "other" : state[3] != '-' || state[5] != '-' ? "other" : state[2] == 'p' ? "paused" : "running";
    }

    /// <summary>Starts a script in the test's runspace without waiting for it.</summary>
    private (PowerShell Shell, IAsyncResult Run) Start(string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = Engine.Runspace;
        ps.AddScript(script);
        return (ps, ps.BeginInvoke());
    }

    [Fact]
    public void ASaveStoppedByItsTimeLimitStopsXlSaveOnTheHostAndSaysWhereTheGuestIs()
    {
        Lab.CleanGuests(A);
        // 512 MiB: its save takes well over the limit even on a fast machine (128 MiB took under 3 s on a quiet one).
        CreateBooted(A, "/etc/xen/test/guest1.cfg 'memory=512'", "guest1");
        Lab.SshOk(A, "rm -f /root/guest1-stopped.save");
        var r = Run($"Save-XenDomain guest1 -ComputerName {A} -Path /root/guest1-stopped.save -TimeoutSec 2 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        _log.WriteLine(e.Exception.Message);
        Assert.Equal("XenSaveTimeout,XenPS.Commands.SaveXenDomainCommand", e.FullyQualifiedErrorId);
        // xl save is stopped on the host too (through its save helper: xl then resumes the guest itself).
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(A, "pgrep -f 'xl [s]ave'").ExitCode != 0, 60), "xl save still runs on " + A);
        var now = Condition(A, "guest1");
        _log.WriteLine($"guest1 on {A} after the stopped save: {now} ({StateOf(A, "guest1")})");
        Assert.Equal("running", now);
        Assert.Contains($"'guest1' still runs on '{A}'", e.Exception.Message, StringComparison.Ordinal);
        // The save's own script removed the file it made: no partial checkpoint is left next to the running guest.
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(A, "test -e /root/guest1-stopped.save").ExitCode != 0, 60), "the partial checkpoint was left");
        Lab.SshOk(A, "rm -f /root/guest1-stopped.save");
        Lab.CleanGuests(A);
    }

    [Fact]
    public void AMoveWhoseTransferIsCutLeavesOneInstanceAndASecondMoveConverges()
    {
        CleanBoth();
        CreateBooted(A, "/etc/xen/test/guest1.cfg", "guest1");
        var (ps, run) = Start($"Move-XenDomain guest1 -ComputerName {A} -Destination {B} -TimeoutSec 900 -Confirm:$false");
        using (ps)
        {
            // The transfer runs: xl restore on B reads the stream. Then the ssh on A that carries it is killed.
            Assert.True(LabFixture.WaitFor(() => Lab.Ssh(B, "pgrep -f 'xl [r]estore'").ExitCode == 0, 240), "the transfer never started");
            Thread.Sleep(3000);
            Lab.SshOk(A, "pkill -KILL -f 'xl [r]estore /dev/stdin'");
            Assert.True(run.AsyncWaitHandle.WaitOne(TimeSpan.FromMinutes(8)), "Move-XenDomain did not end");
            var e = Assert.Single(ps.Streams.Error);
            _log.WriteLine(e.FullyQualifiedErrorId + ": " + e.Exception.Message);
            Assert.StartsWith("XenMigration", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        }
        var status = Lab.Ssh(A, "cat /var/run/xenps/move-*.status 2>/dev/null").Stdout;
        _log.WriteLine(status);
        // Never two: at most one copy runs; here the source, since B did not keep the cut stream.
        var (onA, onB) = (Condition(A, "guest1"), Condition(B, "guest1"));
        _log.WriteLine($"after the cut: {A} {onA}, {B} {onB}");
        Assert.False(onA == "running" && onB == "running", "guest1 runs on both hosts");
        Assert.Equal(("running", "none"), (onA, onB));

        // The second move goes through.
        var r = RunOk($"Move-XenDomain guest1 -ComputerName {A} -Destination {B} -Wait -TimeoutSec 900 -Confirm:$false");
        Assert.Equal(B, (string)Prop(Assert.Single(r.Output), "ComputerName")!);
        Assert.Equal(("none", "running"), (Condition(A, "guest1"), Condition(B, "guest1")));
        Assert.NotEqual(0, Lab.Ssh(A, "ls /var/run/xenps/move-*.status").ExitCode);
        Lab.CleanGuests(B);
    }

    [Fact]
    public void CancellingALiveMigrationLeavesThePvhGuestRunningOnTheSourceOnly()
    {
        CleanBoth();
        CreateBooted(A, "/etc/xen/test/pvh1.cfg", "pvh1");
        var (ps, run) = Start($"Move-XenDomain pvh1 -ComputerName {A} -Destination {B} -Live -TimeoutSec 900 -Confirm:$false");
        using (ps)
        {
            // Memory is being copied: B has the incoming domain.
            Assert.True(LabFixture.WaitFor(() => Listed(B, "pvh1--incoming"), 240), "the migration never started");
            Thread.Sleep(10000);
            ps.Stop();
            Assert.True(run.IsCompleted);
        }
        // The host's supervisor stopped xl migrate through its ssh transport: xl resumes the guest at the sender, and
        // the receiver destroys its incoming copy.
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(A, "pgrep -f 'xl [m]igrate'").ExitCode != 0, 90), "xl migrate still runs on " + A);
        Assert.True(LabFixture.WaitFor(() => !Listed(B, "pvh1--incoming") && !Listed(B, "pvh1"), 120), $"{B} still lists pvh1");
        var onA = Condition(A, "pvh1");
        _log.WriteLine($"pvh1 on {A} after the cancelled migration: {onA} ({StateOf(A, "pvh1")}); xl's log:\n" + Lab.Ssh(A, "tail -n 5 /var/log/xen/xl-pvh1.log").Stdout);
        Assert.Equal("running", onA);
        var t1 = double.Parse(Lab.SshOk(A, "xl list pvh1 | awk 'NR==2 {print $6}'").Trim(), CultureInfo.InvariantCulture);
        Thread.Sleep(5000);
        var t2 = double.Parse(Lab.SshOk(A, "xl list pvh1 | awk 'NR==2 {print $6}'").Trim(), CultureInfo.InvariantCulture);
        Assert.True(t2 > t1, $"pvh1 does not run on {A} (CPU time {t1} then {t2})");
        Lab.CleanGuests(A);
    }

    [Fact]
    public void GetXenLogReadsAndFollowsARealGuestsLogs()
    {
        Lab.CleanGuests(A);
        CreateBooted(A, "/etc/xen/test/guest1.cfg", "guest1");
        var raw = Lab.SshOk(A, "cat /var/log/xen/xl-guest1.log").Split('\n').Where(l => l.Length > 0).ToList();
        var r = RunOk($"Get-XenLog guest1 -ComputerName {A}");
        Assert.Equal(raw, r.Output.Select(o => (string)Prop(o, "Line")!));
        Assert.Matches(@"^Waiting for domain guest1 \(domid \d+\) to die \[pid \d+\]$", (string)Prop(r.Output[0], "Message")!);
        Assert.All(r.Output, o => Assert.Equal((A, "guest1", "Xl"), ((string)Prop(o, "ComputerName")!, (string)Prop(o, "Name")!, Text(Prop(o, "Kind")))));

        r = RunOk($"Get-XenDomain guest1 -ComputerName {A} | Get-XenLog -Kind Console");
        Assert.Contains(r.Output, o => ((string)Prop(o, "Message")!).Contains("GUEST-BOOTED", StringComparison.Ordinal));
        var dmesg = Lab.SshOk(A, "xl dmesg | tail -n 5").Split('\n').Where(l => l.Length > 0);
        Assert.Equal(dmesg, RunOk($"Get-XenLog -Kind Hypervisor -Tail 5 -ComputerName {A}").Output.Select(o => (string)Prop(o, "Line")!));

        // -Wait follows the file over SSH: shut the guest down meanwhile, and xl's monitor logs it.
        using var shutdown = Task.Run(() =>
        {
            Thread.Sleep(8000);
            Lab.Ssh(A, "xl shutdown guest1");
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        r = Run($"Get-XenLog guest1 -ComputerName {A} -Tail 0 -Wait | ForEach-Object {{ $_; if ($_.Message -like 'Domain * has shut down*') {{ break }} }}");
        _log.WriteLine($"Get-XenLog -Wait saw the shutdown after {watch.Elapsed.TotalSeconds:0} s");
        Assert.Contains(r.Output, o => ((string)Prop(o, "Message")!).StartsWith("Domain ", StringComparison.Ordinal) && ((string)Prop(o, "Message")!).Contains("has shut down", StringComparison.Ordinal));
        // The remote tail stops once the connection is gone (its shell notices within a few seconds).
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(A, "pgrep -f 'tail -n 0 -F /var/log/xen/xl-guest1.log'").ExitCode != 0, 30), "the remote tail -F still runs");
        Lab.CleanGuests(A);
    }

    [Fact]
    public void AFailedCreateCarriesTheLastLinesOfTheGuestsLogs()
    {
        Lab.CleanGuests(A);
        Lab.WriteFile(A, "/root/badhvm.cfg", "type = \"hvm\"\nname = \"badhvm\"\nmemory = 128\nvcpus = 1\nserial = \"pty\"\nvnc = 0\nsdl = 0\nboot = \"c\"\n" +
                                              "cpuid = \"host,rdtscp=0\"\nvif = [ \"bridge=nosuchbr\" ]\n");
        Lab.SshOk(A, "rm -f /var/log/xen/qemu-dm-badhvm.log*");
        var r = Run($"Start-XenDomain -Path /root/badhvm.cfg -ComputerName {A} -Confirm:$false");
        var e = Assert.Single(r.Errors);
        _log.WriteLine(e.Exception.Message);
        Assert.Equal("/root/badhvm.cfg", e.TargetObject);
        // libxl's own messages only say that the device model did not start; its log says why.
        Assert.Contains("device model did not start", e.Exception.Message, StringComparison.Ordinal);
        var qemuLog = Lab.SshOk(A, "cat /var/log/xen/qemu-dm-badhvm.log").Split('\n').First(l => l.Length > 0);
        Assert.Contains("nosuchbr", qemuLog, StringComparison.Ordinal);
        Assert.Contains("qemu-dm-badhvm.log: " + qemuLog, e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"Get-XenLog -Name badhvm -Kind Xl, DeviceModel -ComputerName {A}", e.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.False(Listed(A, "badhvm"));
    }
}
