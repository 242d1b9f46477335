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
/// Save-XenDomain's one script on the host (<see cref="CheckpointFile.BuildSaveScript"/>), run for real through
/// <see cref="CheckpointFile.SaveAsync"/> under dash and BusyBox ash, with a recording stand-in for xl, for generated
/// checkpoint paths under a hostile directory: a save that completes leaves the file, mode 0600, and nothing else; a
/// save that fails, or that is stopped because its lifeline ended (Ctrl+C, a killed client, a cut connection), leaves
/// the host as it was — no file, or the replaced file back in place — and never calls xl for a path it refuses.
/// </summary>
public sealed class CheckpointSaveScriptTests : IDisposable
{
    private readonly StandIns _t = new("xenps-save-test-");

    public CheckpointSaveScriptTests()
    {
        // xl save as the test says (file "mode"): ok writes the whole stream; fail writes part of it and fails; hang
        // writes part, then waits (in a child process, as xl waits for its save helper) until that child is stopped,
        // then fails and resumes the guest, as xl does when its helper dies.
        _t.Tool("xl", "if [ \"$1\" = list ]; then printf 'Name ID Mem VCPUs State Time(s)\\ng 7 96 1 %s 1.0\\n' \"$(cat \"$XENPS_T_DIR/state\" 2>/dev/null || echo -b----)\"; exit 0; fi\n" +
            "[ \"$1\" = save ] || exit 0\nshift; [ \"$1\" = -c ] && shift\nf=$2\n" +
            "printf 'Saving to %s new xl format\\n' \"$f\" >&2\nprintf 'partial-' >> \"$f\"\n" +
            "case \"$(cat \"$XENPS_T_DIR/mode\")\" in\n" +
            "  ok) printf 'complete' >> \"$f\"; exit 0 ;;\n" +
            "  fail) echo 'libxl: error: domain 7: saving failed' >&2; exit 1 ;;\n" +
            "  hang) : > \"$XENPS_T_DIR/started\"; libxl-save-helper; echo 'Failed to save domain, resuming domain' >&2; : > \"$XENPS_T_DIR/ended\"; exit 1 ;;\n" +
            "esac");
        // The helper, under libxl's name (the supervisor stops helpers by name, never other children of xl such as
        // its hotplug scripts).
        var helper = Path.Combine(_t.Bin, "libxl-save-helper");
        File.WriteAllText(helper, "#!/bin/sh\nsleep 120\n:\n");
        File.SetUnixFileMode(helper, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public void Dispose() => _t.Dispose();

    private LocalXenHost Host(string shell) => new(new RealShellRunner(shell, _t.Bin, _t.Environment));

    private List<string[]> XlCalls() => _t.Calls().Select(c => c.Args).ToList();

    /// <summary>0: no file there; 1: an old checkpoint, replaced (-Force); 2: an old checkpoint, not replaced; 3: a
    /// symbolic link there (to a file that must stay untouched); 4: a directory there.</summary>
    public sealed record SaveCase(string Leaf, int Existing, bool Succeeds, bool KeepRunning)
    {
        public override string ToString() => $"leaf={Hostile.Show(Leaf)} existing={Existing} succeeds={Succeeds} keepRunning={KeepRunning}";
    }

    private static readonly Gen<SaveCase> Cases = Gen.Select(Hostile.FileName, Gen.Int[0, 4], Gen.Bool, Gen.Bool,
        (leaf, existing, ok, keep) => new SaveCase(leaf, existing, ok, keep));

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task ACompletedSaveLeavesTheFileMode0600AndAFailedOneLeavesTheHostAsItWas(string shell)
    {
        var cases = new List<SaveCase>();
        Cases.Array[12, 12].Sample(batch => cases.AddRange(batch), iter: ScriptProperty.Batches, threads: 1);
        cases.Add(new SaveCase("web01.save", 1, false, false));
        cases.Add(new SaveCase("web01.save", 1, true, false));
        var host = Host(shell);
        var no = 0;
        foreach (var c in cases)
        {
            File.Delete(_t.Log);
            var dir = Directory.CreateDirectory(Path.Combine(_t.Files, "c" + (no++).ToString(CultureInfo.InvariantCulture))).FullName;
            var path = Path.Combine(dir, c.Leaf);
            var target = Path.Combine(dir, "link-target");
            if (c.Existing is 1 or 2) File.WriteAllText(path, "old checkpoint");
            if (c.Existing == 3)
            {
                File.WriteAllText(target, "not a checkpoint");
                File.CreateSymbolicLink(path, target);
            }
            if (c.Existing == 4) Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(_t.Dir, "mode"), c.Succeeds ? "ok" : "fail");
            var domain = new XenDomain { Name = "g", Id = 7 };
            Exception? failure = null;
            try
            {
                await CheckpointFile.SaveAsync(host, NullXenOutput.Instance, domain, path, replace: c.Existing == 1, c.KeepRunning, TimeSpan.FromSeconds(60), CancellationToken.None);
            }
            catch (XenException ex)
            {
                failure = ex;
            }
            var what = c + ": " + failure?.Message;
            var calls = XlCalls();
            var left = Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
            switch (c.Existing)
            {
                case 4:
                    Assert.Equal("XenInvalidArgument", (failure as XenException)?.ErrorId);
                    Assert.Empty(calls);
                    Assert.True(Directory.Exists(path), what);
                    Assert.Equal(new[] { c.Leaf }, left);
                    break;
                case 3:
                    Assert.Equal("XenInvalidArgument", (failure as XenException)?.ErrorId);
                    Assert.Empty(calls);
                    Assert.Equal("not a checkpoint", File.ReadAllText(target));
                    Assert.Equal(target, new FileInfo(path).LinkTarget);
                    break;
                case 2:
                    Assert.Equal("XenCheckpointExists", (failure as XenException)?.ErrorId);
                    Assert.Empty(calls);
                    Assert.Equal("old checkpoint", File.ReadAllText(path));
                    break;
                default:
                    var expected = new List<string> { "save" };
                    if (c.KeepRunning) expected.Add("-c");
                    expected.AddRange(new[] { "7", path });
                    // xl save, then, only when it failed, the domain's state by id (the file goes only while it runs).
                    Assert.Equal(expected, calls[0]);
                    Assert.Equal(c.Succeeds ? 1 : 2, calls.Count);
                    if (!c.Succeeds) Assert.Equal(new[] { "list", "7" }, calls[1]);
                    if (c.Succeeds)
                    {
                        Assert.True(failure is null, what);
                        Assert.Equal("partial-complete", File.ReadAllText(path));
                        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                        Assert.Equal(new[] { c.Leaf }, left);
                    }
                    else
                    {
                        Assert.True(failure is XenException, what);
                        Assert.Contains("saving failed", failure!.Message, StringComparison.Ordinal);
                        if (c.Existing == 1)
                        {
                            Assert.Equal("old checkpoint", File.ReadAllText(path));
                            Assert.Equal(new[] { c.Leaf }, left);
                        }
                        else Assert.Empty(left);
                    }
                    break;
            }
            if (c.Existing == 3) Assert.Equal(new[] { c.Leaf, "link-target" }.OrderBy(n => n, StringComparer.Ordinal), left);
            Assert.False(File.Exists(_t.Canary), "the canary exists: " + what);
        }
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AFailedSaveWhoseDomainNoLongerRunsKeepsTheFileAndATakenBackupNameIsRefused(string shell)
    {
        // xl stopped while it destroyed the saved domain: the checkpoint may be the only copy of the guest.
        var path = Path.Combine(_t.Files, "gone.save");
        File.WriteAllText(Path.Combine(_t.Dir, "mode"), "fail");
        File.WriteAllText(Path.Combine(_t.Dir, "state"), "---s--");
        await Assert.ThrowsAnyAsync<XenException>(() => CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, new XenDomain { Name = "g", Id = 7 }, path, false, false,
            TimeSpan.FromSeconds(60), CancellationToken.None));
        Assert.Equal("partial-", File.ReadAllText(path));

        // -Force with the name for the replaced file taken: refused before anything moves or xl runs.
        File.Delete(Path.Combine(_t.Dir, "state"));
        File.Delete(_t.Log);
        var old = Path.Combine(_t.Files, "old.save");
        File.WriteAllText(old, "old checkpoint");
        File.WriteAllText(old + ".xenps-replaced", "an earlier copy");
        var ex = await Assert.ThrowsAsync<XenException>(() => CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, new XenDomain { Name = "g", Id = 7 }, old, true, false,
            TimeSpan.FromSeconds(60), CancellationToken.None));
        Assert.Equal("XenFileOperationFailed", ex.ErrorId);
        Assert.Equal(("old checkpoint", "an earlier copy"), (File.ReadAllText(old), File.ReadAllText(old + ".xenps-replaced")));
        Assert.DoesNotContain(_t.Calls(), c => c.Args.Length > 0 && c.Args[0] == "save");
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task AFolderAnotherUserMayChangeIsRefusedOnTheWholeWayUp(string shell)
    {
        // Between the 0600 file and xl's open of the path, anyone who may rename entries in the folder, or in a folder
        // above it, could swap in a link: such folders are refused before anything is made or xl runs.
        File.WriteAllText(Path.Combine(_t.Dir, "mode"), "ok");
        const UnixFileMode rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode rx = UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        string Dir(string name, UnixFileMode mode, string? under = null)
        {
            var d = Directory.CreateDirectory(Path.Combine(under ?? _t.Files, name)).FullName;
            File.SetUnixFileMode(d, mode);
            return d;
        }
        var open = Dir("open dir", rwx | rx | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
        var group = Dir("group dir", rwx | rx | UnixFileMode.GroupWrite);
        var someoneElses = Dir("someone else's", rwx | rx);
        using (var chown = System.Diagnostics.Process.Start("chown", new[] { "65534", someoneElses })) chown.WaitForExit();
        var inOpen = Dir("tidy", rwx | rx, under: open);
        var sticky = Dir("sticky dir", rwx | rx | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit);
        var own = Dir("own dir", rwx | rx);
        var g = new XenDomain { Name = "g", Id = 7 };
        foreach (var dir in new[] { open, group, someoneElses, inOpen })
        {
            var ex = await Assert.ThrowsAsync<XenException>(() => CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, g, Path.Combine(dir, "g.save"), false, false,
                TimeSpan.FromSeconds(60), CancellationToken.None));
            Assert.Equal("XenInvalidArgument", ex.ErrorId);
            Assert.Contains("may be changed by another user", ex.Message, StringComparison.Ordinal);
            Assert.Contains(dir == inOpen ? open : dir, ex.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "g.save")), dir);
        }
        Assert.DoesNotContain(_t.Calls(), c => c.Args.Length > 0 && c.Args[0] == "save");
        foreach (var dir in new[] { sticky, own })
        {
            await CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, g, Path.Combine(dir, "g.save"), false, false, TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.Equal("partial-complete", File.ReadAllText(Path.Combine(dir, "g.save")));
        }
        // A path written with a leading "//", and BusyBox's dirname (Alpine's), which keeps "//" as it is: the walk up
        // still ends.
        _t.Tool("dirname", "exec busybox dirname \"$@\"");
        var twice = "/" + Path.Combine(own, "g2.save");
        await CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, g, twice, false, false, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("partial-complete", File.ReadAllText(Path.Combine(own, "g2.save")));
    }

    [Theory]
    [InlineData("sh", false)]
    [InlineData("sh", true)]
    [InlineData("busybox", false)]
    [InlineData("busybox", true)]
    public async Task ASaveWhoseLifelineEndsIsStoppedAndLeavesTheHostAsItWas(string shell, bool replacing)
    {
        var path = Path.Combine(_t.Files, "web01.save");
        if (replacing) File.WriteAllText(path, "old checkpoint");
        File.WriteAllText(Path.Combine(_t.Dir, "mode"), "hang");
        using var cts = new CancellationTokenSource();
        var save = CheckpointFile.SaveAsync(Host(shell), NullXenOutput.Instance, new XenDomain { Name = "g", Id = 7 }, path, replacing, false,
            TimeSpan.FromSeconds(120), cts.Token);
        for (var i = 0; i < 400 && !File.Exists(Path.Combine(_t.Dir, "started")); i++) await Task.Delay(50);
        Assert.True(File.Exists(Path.Combine(_t.Dir, "started")), "xl save never started");
        Assert.Equal("partial-", File.ReadAllText(path));
        // The client goes away (its lifeline ends): the script stops xl save through its child and cleans up by itself.
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => save);
        for (var i = 0; i < 600 && !(File.Exists(Path.Combine(_t.Dir, "ended")) && (replacing ? File.ReadAllText(path) == "old checkpoint" : !File.Exists(path))); i++)
            await Task.Delay(50);
        Assert.True(File.Exists(Path.Combine(_t.Dir, "ended")), "xl save was not stopped");
        if (replacing) Assert.Equal("old checkpoint", File.ReadAllText(path));
        else Assert.False(File.Exists(path), "the partial checkpoint was left");
        for (var i = 0; i < 100 && Directory.GetFileSystemEntries(_t.Files).Length != (replacing ? 1 : 0); i++) await Task.Delay(50);
        Assert.Equal(replacing ? new[] { path } : Array.Empty<string>(), Directory.GetFileSystemEntries(_t.Files));
        Assert.False(File.Exists(_t.Canary));
    }
}
