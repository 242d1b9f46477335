using System.Globalization;
using System.Text;
using CsCheck;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Provisioning;
using XenPS.Core.Tests.Execution;
using Xunit;

namespace XenPS.Core.Tests.Provisioning;

/// <summary>
/// New-XenDomU's on-host rollback guard (<see cref="CreateGuard"/>) run for real, through StartAsync, CommitAsync and
/// AbandonAsync, under the real shells (dash as /bin/sh, BusyBox ash), for generated cases: hostile domain names,
/// configuration and disk paths under a hostile directory, lookalike domains (another case, a longer name, the same
/// name listed before the create), objects that existed before the create and objects that someone else changed.
/// Recording stand-ins for xl, zfs and ps keep the state of a pretend host. Abandoned (the client went away), the guard
/// destroys by id exactly the new domain of that exact name, deletes the configuration only when it is new and holds
/// the bytes the create wrote, and removes the volume or disk file only when it was absent at the start; committed, it
/// undoes nothing; a commit that comes after the guard started to undo fails and says so. Nothing else runs ($CANARY
/// never appears) and the guard leaves no directory behind.
/// </summary>
public sealed class CreateGuardScriptTests : IDisposable
{
    private readonly StandIns _t = new("xenps-guard-test-");

    public CreateGuardScriptTests()
    {
        // The pretend host's domains: "id name" lines in the file "domains" (test code, not code under test).
        Tool("xl", "d=\"$XENPS_T_DIR/domains\"\n" +
                   "case \"$1\" in\n" +
                   "  list) printf 'Name                                        ID   Mem VCPUs\\tState\\tTime(s)\\n'\n" +
                   "        while read -r id nm; do printf '%-40s %5s   128     1     -b----       1.0\\n' \"$nm\" \"$id\"; done < \"$d\" ;;\n" +
                   "  domname) while read -r id nm; do [ \"$id\" = \"$2\" ] && { printf '%s\\n' \"$nm\"; exit 0; }; done < \"$d\"; exit 1 ;;\n" +
                   "  destroy) grep -v \"^$2 \" \"$d\" > \"$d.new\"; mv \"$d.new\" \"$d\" ;;\n" +
                   "esac\nexit 0");
        // One volume: present while the file "vol" exists, named as the file "volname" says.
        Tool("zfs", "for a in \"$@\"; do last=\"$a\"; done\n" +
                    "case \"$1\" in\n" +
                    "  list) [ -e \"$XENPS_T_DIR/vol\" ] && [ \"$(cat \"$XENPS_T_DIR/volname\")\" = \"$last\" ] && { printf '%s\\n' \"$last\"; exit 0; }; exit 1 ;;\n" +
                    "  destroy) [ \"$(cat \"$XENPS_T_DIR/volname\")\" = \"$last\" ] && rm -f \"$XENPS_T_DIR/vol\" ;;\n" +
                    "esac\nexit 0");
        // The process list: xl's domain monitor (a daemon: parent 1) and, while the file "inflight" counts down, an
        // xl create of the configuration that is still running.
        Tool("ps", "printf '    1 /usr/sbin/xl create %s\\n  211 /usr/sbin/sshd -D\\n' \"$(cat \"$XENPS_T_DIR/cfgpath\")\"\n" +
                   "n=$(cat \"$XENPS_T_DIR/inflight\" 2>/dev/null || echo 0)\n" +
                   "if [ \"$n\" -gt 0 ]; then echo $((n - 1)) > \"$XENPS_T_DIR/inflight\"; printf '  300 xl create %s\\n' \"$(cat \"$XENPS_T_DIR/cfgpath\")\"; fi\n" +
                   "exit 0");
    }

    public void Dispose() => _t.Dispose();

    private void Tool(string name, string then) => _t.Tool(name, then);

    private List<(string Tool, string[] Args)> Calls() => _t.Calls();

    /// <summary>What existed before the create, what the create (or someone else) made after the guard was armed, and
    /// how the client ended.</summary>
    public sealed record GuardCase(string Name, string Lookalike, bool NameListedBefore, bool DomainCreated, bool LookalikeCreated,
        int ConfigState, bool VolumeBefore, bool VolumeCreated, bool FileBefore, bool FileCreated, bool Commit, string Volume, string Leaf)
    {
        /// <summary>0: the configuration existed before; 1: the create wrote it; 2: someone else wrote other bytes there; 3: absent.</summary>
        public override string ToString() =>
            $"name={Hostile.Show(Name)} lookalike={Hostile.Show(Lookalike)} listedBefore={NameListedBefore} created={DomainCreated} lookalikeCreated={LookalikeCreated} " +
            $"config={ConfigState} volBefore={VolumeBefore} volCreated={VolumeCreated} fileBefore={FileBefore} fileCreated={FileCreated} commit={Commit} vol={Hostile.Show(Volume)} leaf={Hostile.Show(Leaf)}";
    }

    /// <summary>Names as xl list can show them in one column: valid names and hostile ones without blanks.</summary>
    private static readonly Gen<string> ListedName = Gen.Frequency(
        (1, (IGen<string>)Gen.String[Gen.Char["abcXYZ019._+@:-"], 1, 12].Select(s => "g" + s)),
        (2, Hostile.FileName.Select(s => new string(s.Where(c => !char.IsWhiteSpace(c) && c != '\u00a0' && c != '\u2028').ToArray())).Where(s => s.Length > 0 && s != "Domain-0")));

    private static readonly Gen<GuardCase> Cases =
        Gen.Select(ListedName, Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 3], Gen.Bool, Gen.Bool)
            .Select(Gen.Bool, Gen.Bool, Gen.Bool, Hostile.FileName, Hostile.FileName,
                (a, fileBefore, fileCreated, commit, vol, leaf) =>
                {
                    var (name, look, listedBefore, created, lookCreated, config, volBefore, volCreated) = a;
                    var lookalike = look switch
                    {
                        0 => name.ToUpperInvariant() == name ? name.ToLowerInvariant() + "x" : name.ToUpperInvariant(),
                        1 => name + "x",
                        _ => "x" + name,
                    };
                    if (lookalike == name) lookalike = name + "_";
                    return new GuardCase(name, lookalike, listedBefore, created && !listedBefore, lookCreated, config,
                        volBefore, volCreated && !volBefore, fileBefore, fileCreated && !fileBefore, commit, vol, leaf);
                });

    private LocalXenHost Host(string shell) => new(new RealShellRunner(shell, _t.Bin, _t.Environment));

    private async Task RunCase(string shell, GuardCase c, int caseNo, int inflight = 0)
    {
        File.Delete(_t.Log);
        var dir = Directory.CreateDirectory(Path.Combine(_t.Files, "c" + caseNo.ToString(CultureInfo.InvariantCulture))).FullName;
        var cfg = Path.Combine(dir, c.Leaf + ".cfg");
        var disk = Path.Combine(dir, c.Leaf + ".img");
        var written = "name = \"" + c.Name + "\"\nmemory = 128\n";
        var domains = Path.Combine(_t.Dir, "domains");
        var before = new List<string> { "0 Domain-0", "3 " + c.Lookalike };
        if (c.NameListedBefore) before.Add("5 " + c.Name);
        File.WriteAllText(domains, string.Join("\n", before) + "\n");
        File.WriteAllText(Path.Combine(_t.Dir, "volname"), c.Volume);
        File.WriteAllText(Path.Combine(_t.Dir, "cfgpath"), cfg);
        File.WriteAllText(Path.Combine(_t.Dir, "inflight"), inflight.ToString(CultureInfo.InvariantCulture));
        File.Delete(Path.Combine(_t.Dir, "vol"));
        if (c.VolumeBefore) File.WriteAllText(Path.Combine(_t.Dir, "vol"), "");
        if (c.ConfigState == 0) File.WriteAllText(cfg, written);
        if (c.FileBefore) File.WriteAllText(disk, "old disk");

        var host = Host(shell);
        var ids = before.Select(l => int.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
        var guard = await CreateGuard.StartAsync(host, NullXenOutput.Instance, c.Name, ids, c.Volume, disk, cfg,
            FileBytes.Sha256(Encoding.UTF8.GetBytes(written)), CancellationToken.None);
        Assert.True(Directory.Exists(guard.Directory), "the guard is armed and has its directory");
        Assert.Equal(Convert.ToInt32("700", 8), (int)File.GetUnixFileMode(guard.Directory));

        // The create (and someone else) after the guard was armed.
        if (c.DomainCreated) File.AppendAllText(domains, "9 " + c.Name + "\n");
        if (c.LookalikeCreated) File.AppendAllText(domains, "11 " + c.Lookalike + "x\n");
        if (c.ConfigState == 1) File.WriteAllText(cfg, written);
        if (c.ConfigState == 2) File.WriteAllText(cfg, written + "# edited by someone else\n");
        if (c.VolumeCreated) File.WriteAllText(Path.Combine(_t.Dir, "vol"), "");
        if (c.FileCreated) File.WriteAllText(disk, "new disk");
        var domainsBefore = File.ReadAllLines(domains);

        if (c.Commit) await guard.CommitAsync(CancellationToken.None);
        else await guard.AbandonAsync();
        // The guard ends by itself (an abandoned one after its undo): its directory goes last.
        for (var i = 0; i < 600 && Directory.Exists(guard.Directory); i++) await Task.Delay(50);
        Assert.False(Directory.Exists(guard.Directory), "the guard left its directory: " + c);

        var calls = Calls();
        var destroys = calls.Where(x => x.Tool == "xl" && x.Args[0] == "destroy").Select(x => string.Join(" ", x.Args)).ToList();
        var zfsDestroys = calls.Where(x => x.Tool == "zfs" && x.Args[0] == "destroy").Select(x => x.Args).ToList();
        var expectDestroy = !c.Commit && c.DomainCreated;
        Assert.True((expectDestroy ? new[] { "destroy 9" } : Array.Empty<string>()).SequenceEqual(destroys), $"{c}: xl {string.Join("; ", destroys)}");
        if (expectDestroy)
        {
            // Asked by id for its name right before the destroy.
            var check = calls.FindLastIndex(x => x.Tool == "xl" && x.Args.SequenceEqual(new[] { "domname", "9" }));
            Assert.True(check >= 0 && check < calls.FindIndex(x => x.Tool == "xl" && x.Args[0] == "destroy"), c.ToString());
        }
        var left = File.ReadAllLines(domains);
        Assert.Equal(domainsBefore.Where(l => !(expectDestroy && l == "9 " + c.Name)), left);

        var configKept = c.Commit || c.ConfigState != 1;
        Assert.Equal(c.ConfigState != 3 && configKept, File.Exists(cfg));
        if (c.ConfigState == 2) Assert.EndsWith("# edited by someone else\n", File.ReadAllText(cfg), StringComparison.Ordinal);

        var volumeUndone = !c.Commit && c.VolumeCreated;
        Assert.Equal(volumeUndone ? 1 : 0, zfsDestroys.Count);
        if (volumeUndone) Assert.Equal(new[] { "destroy", "--", c.Volume }, zfsDestroys[0]);
        Assert.Equal(c.VolumeBefore || (c.VolumeCreated && c.Commit), File.Exists(Path.Combine(_t.Dir, "vol")));

        if (c.FileBefore) Assert.Equal("old disk", File.ReadAllText(disk));
        else Assert.Equal(c.FileCreated && c.Commit, File.Exists(disk));

        Assert.False(File.Exists(_t.Canary), "the canary exists: " + c);
        Assert.DoesNotContain(calls, x => x.Tool is not ("xl" or "zfs" or "ps"));
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AnAbandonedGuardUndoesOnlyWhatThisCreateMadeAndACommittedOneNothing(string shell)
    {
        var cases = new List<GuardCase>();
        Cases.Array[12, 12].Sample(batch => cases.AddRange(batch), iter: ScriptProperty.Batches, threads: 1);
        // Always both ends, with everything made by the create.
        cases.Add(new GuardCase("web01", "WEB01", false, true, true, 1, false, true, false, true, false, "zroot/web01-disk0", "web01"));
        cases.Add(new GuardCase("web01", "WEB01", false, true, true, 1, false, true, false, true, true, "zroot/web01-disk0", "web01"));
        var n = 0;
        foreach (var c in cases) await RunCase(shell, c, n++);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AnAbandonedGuardWaitsForAnXlCreateStillInFlightBeforeItUndoes(string shell)
    {
        var c = new GuardCase("web01", "web1", false, true, false, 1, false, true, false, false, false, "tank/web01", "web01");
        await RunCase(shell, c, 0, inflight: 2);
        var calls = Calls();
        var psCalls = calls.FindAll(x => x.Tool == "ps").Count;
        Assert.Equal(3, psCalls); // two polls that saw the create running, then one that did not
        Assert.True(calls.FindLastIndex(x => x.Tool == "ps") < calls.FindIndex(x => x.Tool == "xl" && x.Args[0] == "list"),
            "the guard looked for the domain only after the create ended");
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task ACommitAfterTheGuardTookTheDecisionFailsWithXenGuardRolledBack(string shell)
    {
        File.WriteAllText(Path.Combine(_t.Dir, "domains"), "0 Domain-0\n");
        File.WriteAllText(Path.Combine(_t.Dir, "volname"), "tank/v");
        File.WriteAllText(Path.Combine(_t.Dir, "cfgpath"), "/nonexistent.cfg");
        var host = Host(shell);
        var guard = await CreateGuard.StartAsync(host, NullXenOutput.Instance, "web01", new[] { 0 }, null, null,
            Path.Combine(_t.Files, "web01.cfg"), new string('0', 64), CancellationToken.None);
        // The lifeline ends (the connection went away) and the guard decides before the commit arrives.
        Directory.CreateDirectory(Path.Combine(guard.Directory, "decided"));
        var ex = await Assert.ThrowsAsync<XenException>(() => guard.CommitAsync(CancellationToken.None));
        Assert.Equal("XenGuardRolledBack", ex.ErrorId);
        for (var i = 0; i < 600 && Directory.Exists(guard.Directory); i++) await Task.Delay(50);
        Assert.False(File.Exists(_t.Canary));
    }
}
