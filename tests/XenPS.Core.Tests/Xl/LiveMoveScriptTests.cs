using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.Execution;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Xl;

/// <summary>
/// The live migration's script on the source (<see cref="XenMigrator.BuildLiveScript"/>) under dash and BusyBox ash,
/// with stand-ins for xl (the source) and ssh (the destination) and a hostile domain name: when xl migrate fails and
/// the source runs the domain again under its id and name, the destination's paused NAME--incoming (which xl leaves
/// when it loses the sender before the final handshake) is destroyed there by id after its name is read again; when
/// the source's copy is not running, or the migration succeeded, nothing is touched; the exit code is xl migrate's.
/// </summary>
public sealed class LiveMoveScriptTests : IDisposable
{
    // Hostile, without blanks (xl list's columns could not show a name with blanks as one word; such a domain is
    // never acted on by this clean-up).
    private const string Name = "web';touch${IFS}\"$CANARY\";'$(touch${IFS}\"$CANARY\")01";
    private readonly StandIns _t = new("xenps-livemove-");

    public LiveMoveScriptTests()
    {
        // The source: xl migrate exits with the code in the file "rc"; xl list shows the domain with the state in "state".
        _t.Tool("xl", "case \"$1\" in\n" +
                      "  migrate) exit \"$(cat \"$XENPS_T_DIR/rc\")\" ;;\n" +
                      "  list) printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 768 2 r----- 1.0\\n'; printf '%s 7 96 1 %s 2.0\\n' \"$(cat \"$XENPS_T_DIR/name\")\" \"$(cat \"$XENPS_T_DIR/state\")\" ;;\n" +
                      "esac\nexit 0");
        // The destination, through ssh: a paused NAME--incoming (id 11) until it is destroyed.
        _t.Tool("ssh", "for a in \"$@\"; do p2=\"$p1\"; p1=\"$a\"; done\n" +
                       "case \"$p2 $p1\" in\n" +
                       // the id of the copy from the file "later" once listed once (a copy of another migration)
                       "  'xl list') printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 768 2 r----- 1.0\\n'; i=11; [ -f \"$XENPS_T_DIR/listed\" ] && [ -f \"$XENPS_T_DIR/later\" ] && i=$(cat \"$XENPS_T_DIR/later\"); : > \"$XENPS_T_DIR/listed\"; [ -f \"$XENPS_T_DIR/destroyed\" ] || printf '%s--incoming %s 96 1 --p--- 0.0\\n' \"$(cat \"$XENPS_T_DIR/name\")\" \"$i\" ;;\n" +
                       "  'domname 11') printf '%s--incoming\\n' \"$(cat \"$XENPS_T_DIR/name\")\" ;;\n" +
                       "  '-v 11') printf 'Name ID Mem VCPUs State Time(s) UUID Reason-Code Security Label\\n%s--incoming 11 96 1 --p--- 0.0 %s - -\\n' \"$(cat \"$XENPS_T_DIR/name\")\" \"$(cat \"$XENPS_T_DIR/uuid\")\" ;;\n" +
                       "  'destroy 11') : > \"$XENPS_T_DIR/destroyed\" ;;\n" +
                       "esac\nexit 0");
    }

    public void Dispose() => _t.Dispose();

    private const string GuestUuid = "5f0c4a4e-1f9e-4d2b-9a51-2d6c1c0f7a11";

    private string StatusDir => Path.Combine(_t.Dir, "status");

    /// <summary>uuid: the guest's UUID known to XenPS ("" when xl list -l gave none); the destination's copy carries
    /// <see cref="GuestUuid"/> (another UUID: a domain that only looks like the incoming copy).</summary>
    [Theory]
    [InlineData("sh", 1, "-b----", "", true)]
    [InlineData("sh", 1, "-b----", GuestUuid, true)]
    [InlineData("sh", 1, "-b----", "0b8e2a4c-0000-4000-8000-000000000001", false)]
    [InlineData("sh", 1, "--p---", GuestUuid, false)]
    [InlineData("sh", 0, "-b----", "", false)]
    [InlineData("busybox", 1, "r-----", GuestUuid, true)]
    [InlineData("busybox", 1, "r-----", "0b8e2a4c-0000-4000-8000-000000000001", false)]
    [InlineData("busybox", 1, "---s--", "", false)]
    public async Task AFailedMigrationWhoseSourceRunsAgainDestroysOnlyThePausedIncomingCopy(string shell, int migrateExit, string sourceState, string uuid, bool destroys)
    {
        File.WriteAllText(Path.Combine(_t.Dir, "uuid"), GuestUuid);
        File.WriteAllText(Path.Combine(_t.Dir, "name"), Name);
        File.WriteAllText(Path.Combine(_t.Dir, "state"), sourceState);
        File.WriteAllText(Path.Combine(_t.Dir, "rc"), migrateExit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var domain = new XenDomain { Name = Name, Id = 7, State = XenDomainState.Running, Uuid = uuid.Length > 0 ? Guid.Parse(uuid) : null };
        var address = new SshTarget("xenlab2", "root", null);
        var plan = new XenMigrationPlan(new XenMigrationRequest(domain) { Live = true, StatusDirectory = StatusDir }, address, XenMigrator.BuildSshCommand(address));
        var script = XenMigrator.BuildLiveScript(plan, domain);
        var run = await _t.RunHeldScriptAsync(shell, script.Text);

        Assert.Equal(migrateExit, run.ExitCode);
        var calls = _t.Calls();
        Assert.Equal(new[] { "migrate", "-s", plan.SshCommandText, "7", "xenlab2" }, calls[0].Args);
        var destroyCalls = calls.Where(c => c.Tool == "ssh" && c.Args.Length >= 3 && c.Args[^2] == "destroy").ToList();
        Assert.Equal(destroys, File.Exists(Path.Combine(_t.Dir, "destroyed")));
        Assert.Equal(destroys ? 1 : 0, destroyCalls.Count);
        if (destroys)
        {
            Assert.Equal("11", destroyCalls[0].Args[^1]);
            var check = calls.FindIndex(c => c.Tool == "ssh" && c.Args[^2] == "domname");
            Assert.True(check >= 0 && check < calls.IndexOf(destroyCalls[0]), "the name was not read again before the destroy");
            Assert.Contains("xenps-move: destination-cleared 11", run.StandardError, StringComparison.Ordinal);
        }
        else Assert.DoesNotContain("destination-cleared", run.StandardError, StringComparison.Ordinal);
        // The UUID, when known, is read by id before the destroy.
        Assert.Equal(uuid.Length > 0 && migrateExit != 0 && sourceState is "-b----" or "r-----",
            calls.Any(c => c.Tool == "ssh" && c.Args.Length >= 3 && c.Args[^3] == "list" && c.Args[^2] == "-v" && c.Args[^1] == "11"));
        if (migrateExit == 0) Assert.Single(calls);
        Assert.False(File.Exists(_t.Canary), "the canary exists");
        // The lock of this move went with it.
        Assert.Empty(Directory.GetFiles(StatusDir));
    }

    /// <summary>A copy that the destination lists only after the first look (another migration of the guest, retried
    /// meanwhile) is never destroyed: only the copies of the first look are, in one round.</summary>
    [Theory]
    [InlineData("sh")]
    [InlineData("busybox")]
    public async Task ACopyThatAppearsLaterIsAnotherMigrationsAndIsLeftAlone(string shell)
    {
        File.WriteAllText(Path.Combine(_t.Dir, "name"), Name);
        File.WriteAllText(Path.Combine(_t.Dir, "state"), "-b----");
        File.WriteAllText(Path.Combine(_t.Dir, "rc"), "1");
        File.WriteAllText(Path.Combine(_t.Dir, "uuid"), GuestUuid);
        File.WriteAllText(Path.Combine(_t.Dir, "later"), "12");
        var domain = new XenDomain { Name = Name, Id = 7, State = XenDomainState.Running, Uuid = Guid.Parse(GuestUuid) };
        var address = new SshTarget("xenlab2", "root", null);
        var plan = new XenMigrationPlan(new XenMigrationRequest(domain) { Live = true, StatusDirectory = StatusDir }, address, XenMigrator.BuildSshCommand(address));
        var run = await _t.RunHeldScriptAsync(shell, XenMigrator.BuildLiveScript(plan, domain).Text);

        Assert.Equal(1, run.ExitCode);
        var calls = _t.Calls().Where(c => c.Tool == "ssh").Select(c => string.Join(" ", c.Args.Skip(c.Args.Length - 2))).ToList();
        Assert.Equal(new[] { "xl list", "xl list" }, calls);
        Assert.False(File.Exists(Path.Combine(_t.Dir, "destroyed")));
        Assert.False(File.Exists(_t.Canary), "the canary exists");
    }

    /// <summary>One move of a domain at a time, live or not: while another move's status file has no end and its
    /// process lives, the live move is refused (exit 75) before xl migrate runs, and that file is left as it was; a file
    /// whose process is gone is an old one and does not stop it. While xl migrate runs, the file says so.</summary>
    [Theory]
    [InlineData("sh", true)]
    [InlineData("sh", false)]
    [InlineData("busybox", true)]
    public async Task AnotherMoveOfTheDomainThatStillRunsRefusesTheLiveMove(string shell, bool otherAlive)
    {
        File.WriteAllText(Path.Combine(_t.Dir, "name"), Name);
        File.WriteAllText(Path.Combine(_t.Dir, "state"), "-b----");
        File.WriteAllText(Path.Combine(_t.Dir, "rc"), "0");
        File.WriteAllText(Path.Combine(_t.Dir, "uuid"), GuestUuid);
        Directory.CreateDirectory(StatusDir);
        File.SetUnixFileMode(StatusDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // A pid that is alive (this test's process) or gone (a finished process's).
        int pid;
        if (otherAlive) pid = Environment.ProcessId;
        else
        {
            using var p = System.Diagnostics.Process.Start("true")!;
            p.WaitForExit();
            pid = p.Id;
        }
        var other = $"xenps-move 1\nop 0123\npid {pid}\ndomid 7\nuuid {GuestUuid}\nwas running\nlimit 600\nphase saving 1\n";
        var file = Path.Combine(StatusDir, "move-7.status");
        File.WriteAllText(file, other);
        var domain = new XenDomain { Name = Name, Id = 7, State = XenDomainState.Running, Uuid = Guid.Parse(GuestUuid) };
        var address = new SshTarget("xenlab2", "root", null);
        var plan = new XenMigrationPlan(new XenMigrationRequest(domain) { Live = true, StatusDirectory = StatusDir }, address, XenMigrator.BuildSshCommand(address));
        // The stand-in xl records the status file while it "migrates".
        _t.Tool("xl", "case \"$1\" in migrate) cat \"$XENPS_T_DIR/status/move-7.status\" > \"$XENPS_T_DIR/seen\"; exit 0 ;; esac\nexit 0");
        var run = await _t.RunHeldScriptAsync(shell, XenMigrator.BuildLiveScript(plan, domain).Text);

        if (otherAlive)
        {
            Assert.Equal(75, run.ExitCode);
            Assert.Contains("another move of domain 7 is running", run.StandardError, StringComparison.Ordinal);
            Assert.Empty(_t.Calls());
            Assert.Equal(other, File.ReadAllText(file));
        }
        else
        {
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("migrate", Assert.Single(_t.Calls()).Args[0]);
            var seen = XenMoveStatus.Parse(File.ReadAllText(Path.Combine(_t.Dir, "seen")));
            Assert.NotNull(seen);
            Assert.True(seen!.Live);
            Assert.Null(seen.End);
            Assert.Equal(7, seen.DomainId);
            Assert.False(File.Exists(file));
        }
        Assert.False(File.Exists(_t.Canary), "the canary exists");
    }
}
