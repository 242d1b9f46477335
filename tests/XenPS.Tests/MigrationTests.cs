using System.Globalization;
using System.Management.Automation;
using System.Text;
using Xunit;

namespace XenPS.Tests;

/// <summary>
/// Move-XenDomain, Save-XenDomain, Restore-XenDomain, Get-XenLog and the logs of a failed create, through the engine
/// with the fake xl and the stand-in ssh (two "hosts", src and dst, on this machine). xl's messages are the real ones
/// captured on the two-host lab (Data/xl-captures/multihost). The same cmdlets run on real Xen in
/// tests/XenPS.Lab.Tests/MultiHostTests.cs.
/// </summary>
public sealed class MigrationTests : EngineTest
{
    /// <summary>xl migrate as XenPS runs it: by domain id, the ssh command quoted for the sh -c that xl runs it with.</summary>
    private const string SshWords = "ssh -o 'BatchMode=yes' -o 'ConnectTimeout=30' -o 'ServerAliveInterval=15' -o 'ServerAliveCountMax=4'";
    private const string Migrate = "migrate -s " + SshWords + " 1 dst";
    private const string Save = "save -p 1 /dev/stdout";
    private const string Restore = "restore /dev/stdin";
    private readonly string _tmp;

    public MigrationTests()
    {
        var ssh = Path.Combine(Xl.Directory, "ssh");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fakes", "ssh"), ssh);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The stand-in ssh is a sh script.");
        File.SetUnixFileMode(ssh, (UnixFileMode)Convert.ToInt32("755", 8));
        Environment.SetEnvironmentVariable("XENPS_SSH_CONTROL_DIR", Path.Combine(Xl.Directory, "cm"));
        Environment.SetEnvironmentVariable("XENPS_SSH_CONFIG", null);
        _tmp = Directory.CreateTempSubdirectory("xenps-migration-").FullName;
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", _tmp);
        Environment.SetEnvironmentVariable("XENPS_MOVE_STATUS_DIR", Path.Combine(_tmp, "status"));
        // The source waits this long for a copy on dst that is neither running nor gone (here: one more look, 5 s later).
        Environment.SetEnvironmentVariable("XENPS_MOVE_SETTLE_SEC", "5");

        Xl.MapTextOn("src", "list", List(("guest1", 1, "-b----")))
          .MapOn("src", "list -l", "xl-list-l-guest1")
          .MapTextOn("dst", "list", List())
          .MapTextOn("dst", "info", Info("dst", 1500))
          .MapTextOn("dst", "info host", "dst\n");
    }

    protected override void Cleanup()
    {
        // A fake xl left sleeping by a detached stand-in ssh (nothing kills it there, as nothing would under sshd).
        foreach (var file in new[] { "sleep.pid", "stream.pid" }.Select(f => Path.Combine(Xl.Directory, f)).Where(File.Exists))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture)).Kill();
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is FormatException)
            {
            }
        }
        Run("Get-XenHostSession | Disconnect-XenHost");
        foreach (var v in new[] { "XENPS_SSH_CONTROL_DIR", "XENPS_XEN_LOG_DIR", "XENPS_FAKE_SSH_DOWN", "XENPS_MOVE_STATUS_DIR", "XENPS_FAKE_SSH_DETACH", "XENPS_MOVE_SETTLE_SEC" }) Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_tmp, recursive: true);
    }

    private static string Capture(string name) => File.ReadAllText(Path.Combine(FakeXl.Captures, "multihost", name));

    /// <summary>xl list text: Domain-0 and the given domains, in xl's own format.</summary>
    private static string List(params (string Name, int Id, string State)[] domains)
    {
        var sb = new StringBuilder("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
        foreach (var (name, id, state) in new[] { ("Domain-0", 0, "r-----") }.Concat(domains))
            sb.Append(CultureInfo.InvariantCulture, $"{name,-40} {id,5} {(id == 0 ? 768 : 128),5} {1,5}     {state}  {12.5,8:0.0}\n");
        return sb.ToString();
    }

    private static string Info(string host, int freeMB) =>
        $"host                   : {host}\nrelease                : 6.1.0-28-amd64\nnr_cpus                : 2\ntotal_memory           : 2047\nfree_memory            : {freeMB}\nxen_version            : 4.17.7\n";

    /// <summary>After the migration: gone from src, running on dst.</summary>
    private void Moves(string trigger, string host = "src")
    {
        Xl.AfterTextOn(host, trigger, "src", "list", List())
          .AfterTextOn(host, trigger, "dst", "list", List(("guest1", 3, "-b----")));
    }

    [Fact]
    public void LiveMigrationRunsXlMigrateWithTheSshCommandAndReturnsTheDomainFromTheDestination()
    {
        Xl.MapTextOn("src", Migrate, "", Capture("migrate-pvh1-live.stderr"));
        Moves(Migrate);
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Wait -Verbose -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        dynamic moved = Assert.Single(r.Output);
        Assert.Equal(("guest1", "dst", 3), ((string)moved.Name, (string)moved.ComputerName, (int)moved.Id));
        // Checked before: the destination's memory, its domains, the source's configuration, and the destination
        // as the source reaches it (the same ssh command as xl's).
        var calls = Xl.HostCalls.ToList();
        Assert.True(calls.IndexOf("dst|info") < calls.IndexOf("src|" + Migrate));
        Assert.True(calls.IndexOf("dst|info host") < calls.IndexOf("src|" + Migrate));
        Assert.Contains("src|list -l", calls);
        Assert.Contains(r.Progress, p => p.Activity == "Moving guest1 from src to dst" && p.StatusDescription.StartsWith("Migration successful.", StringComparison.Ordinal) && p.PercentComplete == 100);
        Assert.Contains("migration sender: Target has acknowledged transfer.", r.Verbose);
    }

    private string StatusFile => Path.Combine(_tmp, "status", "move-1.status");

    /// <summary>After xl restore on dst, dst lists the guest running; after xl destroy 1 on src, src no longer lists it.</summary>
    private void ArrivesOnDst()
    {
        Xl.AfterTextOn("dst", Restore, "dst", "list", List(("guest1", 3, "-b----")))
          .AfterTextOn("src", "destroy 1", "src", "list", List());
    }

    /// <summary>xl save -p replays a stream; afterwards the source lists the guest paused, as xl leaves it.</summary>
    private void SavesPaused(int exitCode = 0)
    {
        Xl.MapTextOn("src", Save, "STREAM", "Saving to /dev/stdout new xl format (info 0x3/0x0/853)\nxc: info: Saving domain 2, type x86 PV\n", exitCode)
          .AfterTextOn("src", Save, "src", "list", List(("guest1", 1, "--p---")));
    }

    [Fact]
    public void WithoutLiveTheGuestIsSavedPausedIntoXlRestoreAndOnlyThenDestroyed()
    {
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "Loading new save file /dev/stdin (new xl fmt info 0x3/0x0/853)\nxc: progress: Frames: 16384/32768   50%\nxc: info: Restore successful\n")
          .MapTextOn("src", "destroy 1", "");
        ArrivesOnDst();
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Wait -Verbose -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Empty(r.Warnings);
        Assert.Equal("dst", (string)Prop(Assert.Single(r.Output), "ComputerName")!);
        var calls = Xl.HostCalls.ToList();
        // Acted on by id; destroyed only after the destination listed it running.
        Assert.True(calls.IndexOf("src|" + Save) < calls.IndexOf("src|destroy 1"));
        Assert.True(calls.IndexOf("dst|" + Restore) < calls.LastIndexOf("dst|list"));
        Assert.True(calls.IndexOf("dst|list", calls.IndexOf("dst|" + Restore)) < calls.IndexOf("src|destroy 1"));
        Assert.DoesNotContain(calls, c => c.Contains("migrate", StringComparison.Ordinal) || c.Contains("unpause", StringComparison.Ordinal));
        // Every line of xl goes to Verbose; the progress bar shows the latest one when it is redrawn.
        Assert.Contains("xc: progress: Frames: 16384/32768   50%", r.Verbose);
        Assert.Contains("xenps-move: end destroyed-source", r.Verbose);
        Assert.Contains(r.Progress, p => p.Activity == "Moving guest1 from src to dst" && p.PercentComplete >= 50);
        // A move that ended well leaves no status file behind.
        Assert.False(File.Exists(StatusFile));
    }

    [Fact]
    public void AFailedRestoreResumesTheGuestAtTheSourceOnlyOnceTheDestinationListsNothing()
    {
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "xc: error: Failed to read Record Header from stream (0 = Success): Internal error\n", 1)
          .MapTextOn("src", "unpause 1", "");
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationFailed,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        var calls = Xl.HostCalls.ToList();
        Assert.Contains("src|unpause 1", calls);
        Assert.True(calls.IndexOf("dst|list", calls.IndexOf("dst|" + Restore)) < calls.IndexOf("src|unpause 1"), "the source was resumed before the destination was asked");
        Assert.DoesNotContain("src|destroy 1", calls);
        Assert.Contains("xl restore exit code 1", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'dst' does not list 'guest1', so 'guest1' runs on 'src' again", e.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SshFailingAfterTheDestinationRestoredTheGuestNeverResumesTheSource()
    {
        // The restore ran to its end on dst, but the connection broke before its exit code came back (ssh: 255).
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "xc: info: Restore successful\n", 255)
          .MapTextOn("src", "destroy 1", "")
          .MapTextOn("src", "unpause 1", "");
        ArrivesOnDst();
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Equal(("guest1", "dst"), ((string)Prop(Assert.Single(r.Output), "Name")!, (string)Prop(r.Output[0], "ComputerName")!));
        Assert.DoesNotContain("src|unpause 1", Xl.HostCalls);
        Assert.Contains("src|destroy 1", Xl.HostCalls);
        var w = Assert.Single(r.Warnings);
        Assert.Contains("xl restore exit code 255", w, StringComparison.Ordinal);
        Assert.Contains("'dst' runs 'guest1', so the paused original on 'src' was destroyed", w, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--p---")]
    [InlineData("---sc-")]
    public void ADestinationThatListsTheGuestNotRunningKeepsTheSourcePaused(string state)
    {
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "xc: error: Restore failed\n", 1)
          .AfterTextOn("dst", Restore, "dst", "list", List(("guest1", 3, state)));
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationIncomplete,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, e.CategoryInfo.Category);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|unpause", StringComparison.Ordinal) || c.StartsWith("src|destroy", StringComparison.Ordinal));
        Assert.Contains("'guest1' was left PAUSED on 'src'", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("never run both", e.Exception.Message, StringComparison.Ordinal);
        // The status stays on the source for the next run: the guest was running before, the move paused it.
        var status = File.ReadAllText(StatusFile);
        Assert.Contains("was running", status, StringComparison.Ordinal);
        Assert.Matches("(?m)^end failed-destination-has-copy [0-9]+$", status);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StatusFile));

        // The next move is refused while dst has that copy, and says why.
        var again = Assert.Single(Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false").Errors);
        Assert.Equal("XenDomainExists,XenPS.Commands.MoveXenDomainCommand", again.FullyQualifiedErrorId);
        Assert.Contains("An earlier Move-XenDomain of it", again.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADestinationThatCannotBeAskedKeepsTheSourcePaused()
    {
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "xc: error: Restore failed\n", 1)
          .AfterTextOn("dst", Restore, "dst", "list", "", "xl: cannot init xl context\n", 1);
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationIncomplete,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|unpause", StringComparison.Ordinal) || c.StartsWith("src|destroy", StringComparison.Ordinal));
        var calls = Xl.HostCalls.ToList();
        Assert.Equal(3, calls.Skip(calls.IndexOf("dst|" + Restore)).Count(c => c == "dst|list")); // asked three times
        Assert.Contains("'src' could not ask 'dst' whether it has 'guest1', so 'guest1' was left PAUSED on 'src'", e.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASourceCopyThatRunsAgainWhileTheDestinationRunsTheGuestIsPausedAndReported()
    {
        // xl save failed and resumed the guest on src, yet dst started it: src's copy is paused again at once.
        Xl.MapTextOn("src", Save, "STREAM", "Failed to save domain, resuming domain\n", 1)
          .MapTextOn("dst", Restore, "", "xc: info: Restore successful\n")
          .MapTextOn("src", "pause 1", "").MapTextOn("src", "destroy 1", "").MapTextOn("src", "unpause 1", "");
        Xl.AfterTextOn("dst", Restore, "dst", "list", List(("guest1", 3, "-b----")));
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationIncomplete,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("src|pause 1", Xl.HostCalls);
        Assert.DoesNotContain(Xl.HostCalls, c => c is "src|destroy 1" or "src|unpause 1");
        Assert.Contains("it was paused there again. It runs on 'dst'", e.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APausedGuestArrivesPausedAndIsDestroyedAtTheSourceOnlyAfterACompleteTransfer()
    {
        Xl.MapTextOn("src", "list", List(("guest1", 1, "--p---")));
        Xl.MapTextOn("src", Save, "STREAM", "")
          .MapTextOn("dst", "restore -p /dev/stdin", "", "xc: info: Restore successful\n")
          .MapTextOn("src", "destroy 1", "")
          .AfterTextOn("dst", "restore -p /dev/stdin", "dst", "list", List(("guest1", 3, "--p---")))
          .AfterTextOn("src", "destroy 1", "src", "list", List());
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Wait -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Equal("--p---", (string)Prop(Assert.Single(r.Output), "StateText")!);
        Assert.Contains("dst|restore -p /dev/stdin", Xl.HostCalls);
        Assert.Contains("src|destroy 1", Xl.HostCalls);
    }

    [Fact]
    public void CtrlCStopsTheTransferOnTheSourceWhichResumesTheGuestAndTheNextMoveConverges()
    {
        // As under sshd: the source's script is not a child of the local ssh, so only its input ends (the lifeline).
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_DETACH", "1");
        Xl.Stream(Save, 120).Sleep(Restore, 300);
        using (var ps = PowerShell.Create())
        {
            ps.Runspace = Engine.Runspace;
            ps.AddScript("Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false");
            var async = ps.BeginInvoke();
            var pidFile = Path.Combine(Xl.Directory, "stream.pid");
            Assert.True(LabWait(() => File.Exists(pidFile), 60), "xl save never started");
            ps.Stop();
            Assert.True(async.IsCompleted);
        }
        // The source's script goes on without XenPS: it cuts the transfer (xl save fails on the broken pipe and resumes the
        // guest, as xl does), asks dst (nothing there), and ends by itself. Nothing destroyed, nothing unpaused blindly.
        Assert.True(LabWait(() => File.Exists(StatusFile) && File.ReadAllText(StatusFile).Contains("\nend ", StringComparison.Ordinal), 90), "the move on the source did not end: " + (File.Exists(StatusFile) ? File.ReadAllText(StatusFile) : "no file") + string.Join("\n", Xl.HostCalls));
        var status = File.ReadAllText(StatusFile);
        Assert.Contains("stopped=1", status, StringComparison.Ordinal);
        Assert.Contains("destination absent", status, StringComparison.Ordinal);
        Assert.Matches("(?m)^end resumed-source [0-9]+$", status);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|destroy", StringComparison.Ordinal));

        // The next move reads that status and goes through.
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_DETACH", null);
        Xl.Stream(Save, 0);
        SavesPaused();
        Xl.MapTextOn("dst", Restore, "", "xc: info: Restore successful\n").MapTextOn("src", "destroy 1", "");
        ArrivesOnDst();
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Debug -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Contains(r.Debug, d => d.StartsWith("Move status on 'src':", StringComparison.Ordinal) && d.Contains("end resumed-source", StringComparison.Ordinal));
        Assert.Contains("src|destroy 1", Xl.HostCalls);
        Assert.False(File.Exists(StatusFile));
    }

    [Fact]
    public void TheTimeLimitIsKeptOnTheSourceAndTheErrorSaysWhereTheGuestIs()
    {
        Xl.Stream(Save, 120).Sleep(Restore, 300);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -TimeoutSec 3 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationTimeout,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
        Assert.Contains("did not end within 3 s", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'dst' does not list 'guest1', so 'guest1' runs on 'src' again", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|destroy", StringComparison.Ordinal));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(120), $"took {watch.Elapsed}");
    }

    [Fact]
    public void APvGuestWithoutLogDirtyFailsCleanlyAndStaysAtTheSource()
    {
        Xl.MapTextOn("src", Migrate, "", Capture("migrate-guest1-pv-logdirty.stderr"), 1);
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Confirm:$false");
        Assert.Empty(r.Output);
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationFailed,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Equal("guest1", e.TargetObject);
        Assert.Contains("Failed to enable logdirty", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("shadow paging", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'guest1' still runs on 'src' (-b----, id 1)", e.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALiveMigrationPastItsTimeLimitIsStoppedThroughItsTransportAndXenPSResumesNothing()
    {
        // xl migrate waits on its ssh transport; stopped, the transport dies first and xl resumes the guest itself.
        Xl.Transport(Migrate).MapTextOn("src", "unpause 1", "").MapTextOn("src", "destroy 1", "");
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -TimeoutSec 3 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationTimeout,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("Migration failed, resuming at sender.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'guest1' still runs on 'src' (-b----, id 1)", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|unpause", StringComparison.Ordinal) || c.StartsWith("src|destroy", StringComparison.Ordinal));
        var transport = int.Parse(File.ReadAllText(Path.Combine(Xl.Directory, "transport.pid")).Trim(), CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists("/proc/" + transport), "the transport still runs");
    }

    [Fact]
    public void ALiveMigrationThatFailsInTheFinalHandshakeTouchesNeitherCopy()
    {
        Xl.MapTextOn("src", Migrate, "", "migration sender: Target has acknowledged transfer.\nmigration sender: Giving target permission to start.\n" +
                                         "migration target: Failure, destroying our copy.\n** Migration failed during final handshake **\nDomain state is now undefined !\n", 1)
          .AfterTextOn("src", Migrate, "src", "list", List(("guest1--migratedaway", 1, "---ss-")))
          .AfterTextOn("src", Migrate, "dst", "list", List(("guest1", 3, "--p---")))
          .MapTextOn("src", "unpause 1", "").MapTextOn("src", "destroy 1", "");
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationIncomplete,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("'src' lists it as 'guest1--migratedaway' (---ss-, id 1)", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'dst' lists 'guest1' (--p---, id 3)", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("XenPS resumed and destroyed nothing", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.HostCalls, c => c.StartsWith("src|unpause", StringComparison.Ordinal) || c.StartsWith("src|destroy", StringComparison.Ordinal) || c.StartsWith("dst|destroy", StringComparison.Ordinal) || c.StartsWith("dst|unpause", StringComparison.Ordinal));
    }

    [Fact]
    public void TooLittleFreeMemoryOnTheDestinationIsRefusedBeforeAnythingChanges()
    {
        Xl.MapTextOn("dst", "info", Info("dst", 64));
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenInsufficientMemory,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, e.CategoryInfo.Category);
        Assert.Contains("'dst' has 64 MiB of free memory; 'guest1' needs 128 MiB", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("still runs on 'src'", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.HostCalls, c => c.Contains("migrate", StringComparison.Ordinal) || c.Contains("save", StringComparison.Ordinal));
    }

    [Fact]
    public void ADiskMissingOnTheDestinationIsRefused()
    {
        Xl.MapTextOn("src", "list -l", "[{\"domid\": 1, \"config\": {\"c_info\": {\"type\": \"pv\", \"name\": \"guest1\"}, \"b_info\": {\"max_memkb\": 131072}, " +
                                       "\"disks\": [{\"pdev_path\": \"/nonexistent/xenps/guest1.img\", \"vdev\": \"xvda\", \"readwrite\": 1}]}}]\n");
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationDiskNotFound,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Contains("/nonexistent/xenps/guest1.img", e.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADestinationTheSourceCannotReachOrThatIsAnotherMachineIsRefused()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_SSH_DOWN", "peer");
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -DestinationAddress peer -Live -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenMigrationDestinationUnreachable,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
        Assert.Contains("Connection refused", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-DestinationAddress", e.Exception.Message, StringComparison.Ordinal);

        Xl.MapTextOn("dst", "info host", "elsewhere\n");
        e = Assert.Single(Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Confirm:$false").Errors);
        Assert.Equal("XenMigrationDestinationMismatch,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.DoesNotContain(Xl.HostCalls, c => c.Contains("migrate", StringComparison.Ordinal));
    }

    [Fact]
    public void DestinationAddressCarriesItsUserAndPortIntoTheSshCommandAndASessionCanBeTheDestination()
    {
        const string migrate = "migrate -s " + SshWords + " -l root -p 2222 1 peer";
        Xl.MapTextOn("peer", "info host", "dst\n").MapTextOn("src", migrate, "", "Migration successful.\n");
        Moves(migrate);
        var r = Run("$d = Connect-XenHost dst; Move-XenDomain guest1 -ComputerName src -Destination $d -DestinationAddress root@peer:2222 -Live -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Contains("src|" + migrate, Xl.HostCalls);
        Assert.Contains("peer|info host", Xl.HostCalls);
        Assert.Equal("dst", (string)Prop(r.Output.Last(), "ComputerName")!);
    }

    [Fact]
    public void WhatIfChecksNothingAndMovesNothing()
    {
        var r = Run("Move-XenDomain guest1 -ComputerName src -Destination dst -Live -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("Move to dst live (xl migrate)", Host.Text, StringComparison.Ordinal);
        Assert.Equal(new[] { "src|list -v" }, Xl.HostCalls);
    }

    [Fact]
    public void TheSameHostAndDomain0AreRefused()
    {
        var e = Assert.Single(Run("Move-XenDomain guest1 -ComputerName src -Destination src -Confirm:$false").Errors);
        Assert.Equal("XenMigrationSameHost,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
        e = Assert.Single(Run("Move-XenDomain -Id 0 -ComputerName src -Destination dst -Confirm:$false").Errors);
        Assert.Equal("XenDomain0Protected,XenPS.Commands.MoveXenDomainCommand", e.FullyQualifiedErrorId);
    }

    [Fact]
    public void SaveWritesACheckpointThatRestorePicksUpFromThePipeline()
    {
        var path = Path.Combine(_tmp, "guest1.save");
        File.WriteAllText(path, "checkpoint");
        Xl.MapText("save 1 " + path, "", "Saving to " + path + " new xl format (info 0x3/0x0/853)\n")
          .After("save 1 " + path, "list", "xl-list-after-destroy")
          .MapText("restore " + path, "", "Loading new save file " + path + " (new xl fmt info 0x3/0x0/853)\n")
          .After("restore " + path, "list", "xl-list-after-create");

        var refused = Assert.Single(Run($"Save-XenDomain guest1 -Path {path} -Confirm:$false").Errors);
        Assert.Equal("XenCheckpointExists,XenPS.Commands.SaveXenDomainCommand", refused.FullyQualifiedErrorId);

        var r = Run($"Save-XenDomain guest1 -Path {path} -Force -Confirm:$false | Restore-XenDomain -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        dynamic restored = Assert.Single(r.Output);
        Assert.Equal(("guest1", "localhost"), ((string)restored.Name, (string)restored.ComputerName));
        Assert.Contains("save 1 " + path, Xl.Calls);
        Assert.Contains("restore " + path, Xl.Calls);
    }

    [Fact]
    public void ASaveStoppedByItsTimeLimitSaysWhatStateTheGuestIsIn()
    {
        var path = Path.Combine(_tmp, "guest1.save");
        Xl.Sleep("save 1 " + path, 30);
        var r = Run($"Save-XenDomain guest1 -Path {path} -TimeoutSec 1 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenSaveTimeout,XenPS.Commands.SaveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
        Assert.Contains("did not end within 1 s and was stopped", e.Exception.Message, StringComparison.Ordinal);
        // Read from xl list afterwards (the capture lists guest1 paused).
        Assert.Contains("'guest1' is paused on 'localhost' (--p---, id 1): Resume-XenDomain -Id 1 resumes it.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("list -v", Xl.Calls[^1]);
    }

    [Fact]
    public void SaveToADirectoryNamesTheFileAfterTheDomainAndReturnsACheckpoint()
    {
        var path = Path.Combine(_tmp, "guest1.save");
        Xl.MapText("save -c 1 " + path, "", "Saving to " + path + "\n");
        var r = Run($"Save-XenDomain guest1 -Path {_tmp} -KeepRunning -Confirm:$false");
        Assert.Empty(r.Errors);
        dynamic checkpoint = Assert.Single(r.Output);
        Assert.Equal("XenPS.XenDomainCheckpoint", r.Output[0].TypeNames[0]);
        Assert.Equal((path, "guest1", true, "localhost"), ((string)checkpoint.Path, (string)checkpoint.Name, (bool)checkpoint.KeptRunning, (string)checkpoint.ComputerName));
        var missing = Assert.Single(Run("Restore-XenDomain -Path /nonexistent/xenps.save -Confirm:$false").Errors);
        Assert.Equal("XenCheckpointNotFound,XenPS.Commands.RestoreXenDomainCommand", missing.FullyQualifiedErrorId);
    }

    [Fact]
    public void GetXenLogReadsTheDomainsLogsIntoEntries()
    {
        File.WriteAllText(Path.Combine(_tmp, "xl-guest1.log"), Capture("xl-guest1.log"));
        File.WriteAllText(Path.Combine(_tmp, "qemu-dm-guest1.log"), "2026-11-23T16:11:02.123456Z qemu-system-i386: -serial pty: char device redirected to /dev/pts/3\nplain line\n");
        var r = Run("Get-XenLog guest1 -Kind Xl, DeviceModel");
        Assert.Empty(r.Errors);
        var xl = r.Output.Where(o => Text(Prop(o, "Kind")) == "Xl").ToList();
        Assert.Equal(4, xl.Count);
        Assert.Equal("Waiting for domain guest1 (domid 2) to die [pid 316]", (string)Prop(xl[0], "Message")!);
        Assert.Null(Prop(xl[0], "Time"));
        Assert.Equal(Path.Combine(_tmp, "xl-guest1.log"), (string)Prop(xl[0], "Path")!);
        dynamic qemu = r.Output.First(o => Text(Prop(o, "Kind")) == "DeviceModel");
        Assert.Equal(new DateTime(2026, 11, 23, 16, 11, 2, 123, DateTimeKind.Utc).AddTicks(4560), (DateTime?)qemu.Time);
        Assert.Equal("qemu-system-i386", (string)qemu.Context);
        Assert.Equal("-serial pty: char device redirected to /dev/pts/3", (string)qemu.Message);

        r = Run("Get-XenDomain guest1 | Get-XenLog -Tail 2");
        Assert.Equal(new[] { "Domain has suspended.", "Done. Exiting now" }, r.Output.Select(o => (string)Prop(o, "Message")!));

        var missing = Assert.Single(Run("Get-XenLog nosuch").Errors);
        Assert.Equal("XenLogNotFound,XenPS.Commands.GetXenLogCommand", missing.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
        var noName = Assert.Single(Run("Get-XenLog -Kind Console").Errors);
        Assert.Equal("XenInvalidArgument,XenPS.Commands.GetXenLogCommand", noName.FullyQualifiedErrorId);
    }

    [Fact]
    public void GetXenLogReadsTheHypervisorRing()
    {
        Xl.MapText("dmesg", Capture("xl-dmesg.stdout"));
        var r = Run("Get-XenLog -Tail 3");
        Assert.Empty(r.Errors);
        Assert.Equal(3, r.Output.Count);
        Assert.All(r.Output, o => Assert.Equal(("Hypervisor", "XEN", "xl dmesg"), (Text(Prop(o, "Kind")), (string)Prop(o, "Context")!, (string)Prop(o, "Path")!)));
        Assert.Equal("HVM4 restore: CPU 0", (string)Prop(r.Output[2], "Message")!);
    }

    [Fact]
    public void GetXenLogWaitFollowsTheFileUntilThePipelineStops()
    {
        var log = Path.Combine(_tmp, "xl-guest1.log");
        File.WriteAllText(log, "Waiting for domain guest1 (domid 2) to die [pid 316]\n");
        using var writer = Task.Run(async () =>
        {
            await Task.Delay(1500);
            File.AppendAllText(log, "Domain 2 has shut down, reason code 0 0x0\n");
            await Task.Delay(500);
            File.AppendAllText(log, "Done. Exiting now\n");
        });
        var r = Run("$n = 0; Get-XenLog guest1 -Tail 1 -Wait | ForEach-Object { $_; if (++$n -ge 3) { break } }");
        Assert.Equal(new[] { "Waiting for domain guest1 (domid 2) to die [pid 316]", "Domain 2 has shut down, reason code 0 0x0", "Done. Exiting now" },
            r.Output.Select(o => (string)Prop(o, "Message")!));
        // The tail -F that followed the file was stopped with the pipeline.
        Assert.True(LabWait(() => !TailRunning(log), 10), "tail -F still runs");
    }

    private static bool LabWait(Func<bool> condition, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline && !condition()) Thread.Sleep(200);
        return condition();
    }

    private static bool TailRunning(string path) =>
        System.Diagnostics.Process.GetProcessesByName("tail").Any(p =>
        {
            try
            {
                return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(path, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

    [Fact]
    public void AFailedCreateCarriesTheLastLinesOfTheGuestsLogs()
    {
        var cfg = Path.Combine(_tmp, "badhvm.cfg");
        File.WriteAllText(cfg, "type = \"hvm\"\nname = \"badhvm\"\nmemory = 128\nvif = [ \"bridge=nosuchbr\" ]\n");
        File.WriteAllText(Path.Combine(_tmp, "qemu-dm-badhvm.log"), Capture("qemu-dm-badhvm.log"));
        Xl.MapText("create " + cfg, "", "Parsing config from " + cfg + "\n" +
            "libxl: error: libxl_dm.c:3161:device_model_spawn_outcome: Domain 4:domain 4 device model: spawn failed (rc=-3)\n" +
            "libxl: error: libxl_create.c:1896:domcreate_devmodel_started: Domain 4:device model did not start: -3\n", 3);
        var r = Run($"Start-XenDomain -Path {cfg} -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenCommandFailed,XenPS.Commands.StartXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("device model did not start", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-dm-badhvm.log: xen-qemu-system-i386: -netdev type=tap,id=net0,ifname=vif4.0-emu,br=nosuchbr", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Get-XenLog -Name badhvm", e.ErrorDetails.RecommendedAction, StringComparison.Ordinal);

        // A log written long before the create is not shown.
        File.SetLastWriteTimeUtc(Path.Combine(_tmp, "qemu-dm-badhvm.log"), DateTime.UtcNow.AddHours(-2));
        e = Assert.Single(Run($"Start-XenDomain -Path {cfg} -Confirm:$false").Errors);
        Assert.DoesNotContain("qemu-dm-badhvm.log", e.Exception.Message, StringComparison.Ordinal);
    }
}
