using System.Globalization;
using System.Text;
using CsCheck;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.Execution;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Xl;

/// <summary>
/// The script the source runs for a move without -Live (<see cref="XenMigrator.BuildMoveScript"/>), run under the real
/// shells (dash as /bin/sh, BusyBox ash) with its supervisor and lifeline, for generated plans with hostile domain names
/// and every address form: recording stand-ins for xl (the source) and ssh (the destination) show that it runs exactly
/// the intended argv, acts on the domain by id, asks the destination before it touches the source's copy, and decides
/// as the protocol says; nothing else runs ($CANARY never appears).
/// </summary>
public sealed class MoveScriptTests : IDisposable
{
    private readonly StandIns _t = new("xenps-movescript-");

    public MoveScriptTests()
    {
        // xl on the source: save writes a stream; list shows the domain (its id from the file "id") paused, as xl save -p leaves it.
        _t.Tool("xl", "case \"$1\" in\n" +
                   "  save) printf 'stream of %s' \"$3\" ;;\n" +
                   "  list) printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 768 2 r----- 1.0\\n'; printf '%s %s 128 1 --p--- 2.0\\n' \"$(cat \"$XENPS_T_DIR/name\")\" \"$(cat \"$XENPS_T_DIR/id\")\" ;;\n" +
                   "esac\nexit 0");
        // ssh to the destination: the restore reads the stream (and fails for a host holding a 1); xl list there shows
        // the domain running once a restore succeeded.
        _t.Tool("ssh", "for a in \"$@\"; do last2=\"$last1\"; last1=\"$a\"; done\n" +
                    "case \"$last2 $last1\" in\n" +
                    "  '/dev/stdin'*|'-p /dev/stdin'|'restore /dev/stdin') cat > /dev/null; for a in \"$@\"; do case \"$a\" in *1*) exit 1 ;; esac; done; : > \"$XENPS_T_DIR/restored\"; exit 0 ;;\n" +
                    "  'xl list') printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 768 2 r----- 1.0\\n'; [ -f \"$XENPS_T_DIR/restored\" ] && printf '%s 7 128 1 -b---- 0.5\\n' \"$(cat \"$XENPS_T_DIR/name\")\"; [ -f \"$XENPS_T_DIR/leftpaused\" ] && printf '%s 9 128 1 --p--- 0.0\\n' \"$(cat \"$XENPS_T_DIR/name\")\"; exit 0 ;;\n" +
                    // a copy a cut restore left paused (id 9): its name and UUID by id, and its destroy
                    "  'domname 9') cat \"$XENPS_T_DIR/name\"; echo ;;\n" +
                    "  '-v 9') printf 'Name ID Mem VCPUs State Time(s) UUID Reason-Code Security Label\\n%s 9 128 1 --p--- 0.0 %s - -\\n' \"$(cat \"$XENPS_T_DIR/name\")\" \"$(cat \"$XENPS_T_DIR/dstuuid\")\" ;;\n" +
                    "  'destroy 9') rm -f \"$XENPS_T_DIR/leftpaused\" ;;\n" +
                    "esac\nexit 0");
    }

    public void Dispose() => _t.Dispose();

    private List<(string Tool, string[] Args)> Calls() => _t.Calls();

    /// <summary>Domain names as xl list can show them (no leading or trailing blank, which its columns would eat).</summary>
    private static readonly Gen<XenMigrationPlan> Plans = GeneratedScriptTests.Plans.Where(p =>
        p.Request.Domain.Name.Trim() == p.Request.Domain.Name && p.Request.Domain.Name.Length > 0 && p.Request.Domain.Name != "Domain-0");

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task TheMoveAsksTheDestinationBeforeItDestroysOrResumesTheSourceByItsId(string shell)
    {
        var plans = new List<XenMigrationPlan>();
        Plans.Array[6, 6].Sample(batch => plans.AddRange(batch), iter: ScriptProperty.Batches, threads: 1);
        var cases = 0;
        foreach (var plan in plans)
        {
            cases++;
            File.Delete(_t.Log);
            File.Delete(Path.Combine(_t.Dir, "restored"));
            File.WriteAllText(Path.Combine(_t.Dir, "name"), plan.Request.Domain.Name);
            var id = plan.Request.Domain.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(_t.Dir, "id"), id);
            plan.Request.StatusDirectory = Path.Combine(_t.Dir, "status");
            plan.Request.SettleTime = TimeSpan.Zero;
            var script = SshXenHost.PathPrelude.Append(XenMigrator.BuildMoveScript(plan, "op1"));
            var run = await _t.RunHeldScriptAsync(shell, script.Text);

            var ssh = plan.SshCommand.Concat(new[] { plan.Address.Host }).ToArray();
            var restore = ssh.Skip(1).Concat(plan.WasRunning ? new[] { "xl", "restore", "/dev/stdin" } : new[] { "xl", "restore", "-p", "/dev/stdin" }).ToArray();
            var restored = !restore.Any(w => w.Contains('1', StringComparison.Ordinal));
            var calls = Calls();
            var what = $"{shell}, domain «{plan.Request.Domain.Name}» to {plan.Address}, {(plan.WasRunning ? "running" : "paused")}:\n{run.StandardError}";
            // The transfer (both sides at once), then the destination's list, then the source's list, then the act.
            Assert.True(calls.Count >= 4, what);
            Assert.Equal(new[] { ("ssh", restore), ("xl", new[] { "save", "-p", id, "/dev/stdout" }) }.OrderBy(c => c.Item1).Select(c => c.Item1 + " " + string.Join("\u2423", c.Item2)),
                calls.Take(2).OrderBy(c => c.Tool).Select(c => c.Tool + " " + string.Join("\u2423", c.Args)));
            Assert.Equal("ssh " + string.Join("\u2423", ssh.Skip(1).Concat(new[] { "xl", "list" })), calls[2].Tool + " " + string.Join("\u2423", calls[2].Args));
            Assert.Equal(("xl", "list"), (calls[3].Tool, string.Join(" ", calls[3].Args)));
            var acts = calls.Skip(4).Select(c => c.Tool + " " + string.Join(" ", c.Args)).ToList();
            var status = File.ReadAllText(Path.Combine(_t.Dir, "status", "move-" + id + ".status"));
            if (restored)
            {
                Assert.True(new[] { "xl destroy " + id }.SequenceEqual(acts), what + string.Join("\n", acts));
                Assert.Equal(0, run.ExitCode);
                Assert.Contains("\nend destroyed-source ", status, StringComparison.Ordinal);
            }
            else if (plan.WasRunning)
            {
                Assert.True(new[] { "xl unpause " + id }.SequenceEqual(acts), what + string.Join("\n", acts));
                Assert.Contains("\nend resumed-source ", status, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(acts.Count == 0, what + string.Join("\n", acts));
                Assert.Contains("\nend kept-source-paused ", status, StringComparison.Ordinal);
            }
            Assert.False(File.Exists(_t.Canary), "the canary exists: " + what);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_t.Dir, "status", "move-" + id + ".status")));
        }
        Assert.Equal(6 * ScriptProperty.Batches, cases);
    }

    /// <summary>A running guest whose transfer failed while the destination kept a paused, incomplete copy of it (a cut
    /// restore): that copy is destroyed by id — only when its name and UUID, read again by id, are the guest's — and the
    /// source's copy resumed; a copy with another UUID is left alone and the source's copy stays paused.</summary>
    [Theory]
    [InlineData("sh", true)]
    [InlineData("sh", false)]
    [InlineData("busybox", true)]
    [InlineData("busybox", false)]
    public async Task APausedCopyACutRestoreLeftIsClearedOnlyWhenItIsTheGuest(string shell, bool sameUuid)
    {
        const string name = "web';touch${IFS}\"$CANARY\";'$(touch${IFS}\"$CANARY\")01";
        var uuid = Guid.Parse("7d3f6c1e-2b4a-4c1d-8e9f-0a1b2c3d4e5f");
        File.WriteAllText(Path.Combine(_t.Dir, "name"), name);
        File.WriteAllText(Path.Combine(_t.Dir, "id"), "7");
        File.WriteAllText(Path.Combine(_t.Dir, "leftpaused"), string.Empty);
        File.WriteAllText(Path.Combine(_t.Dir, "dstuuid"), sameUuid ? uuid.ToString("D") : "0b8e2a4c-0000-4000-8000-000000000001");
        var domain = new XenDomain { Name = name, Id = 7, State = XenDomainState.Running, Uuid = uuid };
        var address = new SshTarget("dst", "root", null);
        // The ssh stand-in fails every restore whose words hold a 1 (ServerAliveInterval=15 does).
        var plan = new XenMigrationPlan(new XenMigrationRequest(domain) { StatusDirectory = Path.Combine(_t.Dir, "status"), SettleTime = TimeSpan.Zero }, address,
            XenMigrator.BuildSshCommand(address)) { Uuid = uuid };
        var run = await _t.RunHeldScriptAsync(shell, SshXenHost.PathPrelude.Append(XenMigrator.BuildMoveScript(plan, "op1")).Text);

        var acts = Calls().Select(c => c.Tool + " " + string.Join(" ", c.Args.Skip(c.Tool == "ssh" ? c.Args.Length - 3 : 0))).ToList();
        var status = File.ReadAllText(Path.Combine(_t.Dir, "status", "move-7.status"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("ssh xl domname 9", acts);
        Assert.Contains("ssh list -v 9", acts);
        if (sameUuid)
        {
            Assert.False(File.Exists(Path.Combine(_t.Dir, "leftpaused")), run.StandardError);
            Assert.True(acts.IndexOf("ssh xl destroy 9") > acts.IndexOf("ssh list -v 9"), string.Join("\n", acts));
            Assert.Equal("xl unpause 7", acts[^1]);
            Assert.Contains("\ndestination-cleared 9 ", status, StringComparison.Ordinal);
            Assert.Contains("\nend resumed-source ", status, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(File.Exists(Path.Combine(_t.Dir, "leftpaused")), run.StandardError);
            Assert.DoesNotContain(acts, a => a.Contains("destroy", StringComparison.Ordinal) || a.Contains("unpause", StringComparison.Ordinal));
            Assert.Contains("\nend " + XenMoveStatus.EndDestinationHasCopy + " ", status, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(_t.Canary), "the canary exists");
    }
}
