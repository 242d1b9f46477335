using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>Planner and applier on a FreeBSD tree on disk (-Root), through the real sh scripts of HostFileSystem and
/// the stand-ins of cap_mkdb and pkg.</summary>
public sealed class Dom0ApplyTests : IDisposable
{
    private readonly Dom0Tree _tree = new();
    private readonly ScriptedHost _host = new();

    public void Dispose() => _tree.Dispose();

    private Dom0DesiredState State(Action<Dom0Request>? change = null)
    {
        var r = Dom0EditorTests.Handbook();
        r.Root = _tree.Root;
        change?.Invoke(r);
        return r.Validate();
    }

    private Task<Dom0Plan> PlanAsync(Dom0DesiredState state) => new Dom0Planner(_host).PlanAsync(state, audit: false, CancellationToken.None);

    private async Task<Dom0ApplyResult> ApplyAsync(Dom0DesiredState state, int? failAfter = null)
    {
        var plan = await PlanAsync(state);
        var applier = new Dom0Applier(_host) { FailAfterRenames = failAfter };
        return await applier.ApplyAsync(plan, CancellationToken.None);
    }

    private static readonly string[] TreeFiles = { "boot/loader.conf", "boot/menu.rc.local", "etc/sysctl.conf", "etc/login.conf", "etc/ttys", "etc/rc.conf" };

    [Fact]
    public async Task TheWholeTreeMatchesTheExpectedFilesAndASecondRunChangesNothing()
    {
        var result = await ApplyAsync(State());
        foreach (var file in TreeFiles)
            Assert.Equal(Dom0EditorTests.Expected("expected-dom0", "/" + file), _tree.Read(file));
        Assert.True(Directory.Exists(_tree.P("var/log/xen")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(_tree.P("var/log/xen")));
        Assert.StartsWith("# xenps stand-in cap_mkdb database of: " + _tree.P("etc/login.conf"), _tree.Read("etc/login.conf.db"), StringComparison.Ordinal);
        Assert.Contains(_host.Calls, c => c == "cap_mkdb " + _tree.P("etc/login.conf"));
        Assert.DoesNotContain(_host.Calls, c => c.Contains(" install ", StringComparison.Ordinal));

        // Every replaced file has its timestamped backup with the old bytes; the new menu.rc.local has none.
        Assert.Equal(6, result.Written.Count);
        foreach (var w in result.Written.Where(w => !w.Created))
            Assert.Matches(@"\.xenps-\d{8}T\d{6}Z\.bak$", w.BackupPath);
        Assert.True(result.Written.Single(w => w.Path.EndsWith("menu.rc.local", StringComparison.Ordinal)).Created);
        Assert.Equal(File.ReadAllText(Path.Combine(FreeBsd.FreeBsdData.Folder, "rc.conf")), File.ReadAllText(result.Written.Single(w => w.Path.EndsWith("rc.conf", StringComparison.Ordinal)).BackupPath!));
        Assert.Contains(result.Changes, c => c.Setting == "cap_mkdb" && c.Before == "up to date" && c.After == "rebuilt" && c.Changed);
        Assert.Contains(result.Changes, c => c.Setting == "directory" && c.Before is null && c.Changed);

        var snapshot = _tree.Snapshot();
        _host.Calls.Clear();
        var second = await PlanAsync(State());
        Assert.False(second.HasChanges);
        Assert.All(second.Settings, s => Assert.False(s.Changed, $"{s.File} {s.Setting}"));
        Assert.Empty(second.ChangedFiles);
        Assert.Equal(string.Empty, second.Describe().Split('\n').Skip(1).FirstOrDefault() ?? string.Empty);
        var again = await new Dom0Applier(_host).ApplyAsync(second, CancellationToken.None);
        Assert.Empty(again.Written);
        Assert.Equal(snapshot, _tree.Snapshot());
        Assert.DoesNotContain(_host.Calls, c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VersionsAreDetectedFromTheRootNotFromThisMachine()
    {
        var state = State();
        var plan = await PlanAsync(state);
        Assert.Equal("14.1-RELEASE-p5", plan.Facts.FreeBsdVersion);
        Assert.Equal(14, plan.Facts.FreeBsdMajor);
        Assert.Equal(new Version(4, 19), plan.Facts.XenVersion);
        Assert.Equal("pkg query: xen-kernel 4.19.1.20250217", plan.Facts.XenVersionSource);
        Assert.Contains(_host.Calls, c => c == $"pkg -r {_tree.Root} query %v xen-kernel");
        Assert.DoesNotContain(_host.Calls, c => c.StartsWith("xl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOldSystemGetsTheOldSysctlName()
    {
        File.WriteAllText(_tree.P("bin/freebsd-version"), File.ReadAllText(_tree.P("bin/freebsd-version")).Replace("14.1-RELEASE-p5", "12.4-RELEASE-p9", StringComparison.Ordinal));
        await ApplyAsync(State(r => r.XenVersion = "4.7"));
        Assert.Equal(Dom0EditorTests.Expected("expected-dom0-xen47", "/etc/sysctl.conf"), _tree.Read("etc/sysctl.conf"));
        Assert.Equal(Dom0EditorTests.Expected("expected-dom0-xen47", "/boot/loader.conf"), _tree.Read("boot/loader.conf"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task AWriteThatFailsHalfwayLeavesEveryFileAsItWas(int failAfter)
    {
        var before = _tree.Snapshot();
        var ex = await Assert.ThrowsAsync<XenException>(() => ApplyAsync(State(), failAfter));
        Assert.Equal("XenFileOperationFailed", ex.ErrorId);
        Assert.Contains("injected fault", ex.Message, StringComparison.Ordinal);
        Assert.Contains("None of the files was changed", ex.Message, StringComparison.Ordinal);
        // Every original file is byte-identical and nothing else is left: the rollback renamed the backups of the
        // files already replaced back over them, and removed the staged files.
        Assert.Equal(before, _tree.Snapshot());
        Assert.False(File.Exists(_tree.P("boot/menu.rc.local")));
        Assert.DoesNotContain(_host.Calls, c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_tree.P("var/log/xen")));
    }

    [Fact]
    public async Task AFileEditedBetweenThePlanAndTheWriteStopsTheWholeBatch()
    {
        var plan = await PlanAsync(State());
        Assert.Contains(plan.ChangedFiles, f => f.Path == _tree.P("etc/rc.conf"));
        File.AppendAllText(_tree.P("etc/rc.conf"), "sshd_enable=\"NO\"\n"); // someone else, meanwhile
        var before = _tree.Snapshot();

        var ex = await Assert.ThrowsAsync<XenException>(() => new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None));
        Assert.Equal("XenFileChanged", ex.ErrorId);
        Assert.Equal($"{_tree.P("etc/rc.conf")} on localhost changed since it was read; nothing was written; run the command again.", ex.Message);
        Assert.Equal(before, _tree.Snapshot());
        Assert.EndsWith("sshd_enable=\"NO\"\n", _tree.Read("etc/rc.conf"), StringComparison.Ordinal);
        Assert.DoesNotContain(_host.Calls, c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALatin1CommentInRcConfAndLoaderConfKeepsItsBytes()
    {
        // Comments written on a Latin-1 console: not UTF-8. Only the managed lines may change.
        var comment = System.Text.Encoding.Latin1.GetBytes("# Serveur de l'\u00e9quipe \u00e0 Z\u00fcrich\n");
        foreach (var file in new[] { "etc/rc.conf", "boot/loader.conf" })
            File.WriteAllBytes(_tree.P(file), comment.Concat(File.ReadAllBytes(_tree.P(file))).ToArray());
        await ApplyAsync(State());
        foreach (var file in new[] { "etc/rc.conf", "boot/loader.conf" })
        {
            var expected = comment.Concat(System.Text.Encoding.UTF8.GetBytes(Dom0EditorTests.Expected("expected-dom0", "/" + file))).ToArray();
            Assert.Equal(expected, File.ReadAllBytes(_tree.P(file)));
        }
    }

    [Fact]
    public async Task WithoutTheXenKernelNothingIsChanged()
    {
        File.Delete(_tree.P("boot/xen"));
        var before = _tree.Snapshot();
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenKernelNotInstalled", ex.ErrorId);
        Assert.Equal(XenErrorKind.NotInstalled, ex.Kind);
        Assert.Contains("would not boot", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, _tree.Snapshot());
    }

    [Fact]
    public async Task WithoutPackagesOrXenVersionTheVersionIsAskedFor()
    {
        File.Delete(_tree.P("var/db/pkg/xenps-fake-packages"));
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenVersionUnknown", ex.ErrorId);
        Assert.Contains("-XenVersion", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstallPackagesInstallsIntoTheRootFirst()
    {
        File.Delete(_tree.P("var/db/pkg/xenps-fake-packages"));
        File.Delete(_tree.P("boot/xen"));
        var state = State(r => r.InstallPackages = true);
        var plan = await PlanAsync(state);
        Assert.Equal(new[] { "xen-kernel", "xen-tools" }, plan.PackagesToInstall);
        Assert.Equal("pkg rquery: xen-kernel 4.19.1.20250217 in the repository", plan.Facts.XenVersionSource);
        Assert.Contains($"1. pkg -r {_tree.Root} install -y xen-kernel xen-tools", plan.Describe(), StringComparison.Ordinal);
        var result = await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        Assert.Contains(_host.Calls, c => c == $"pkg -r {_tree.Root} install -y xen-kernel xen-tools");
        Assert.True(File.Exists(_tree.P("boot/xen")));
        Assert.Contains(result.Changes, c => c.File == "pkg" && c.Setting == "xen-kernel" && c.Before is null && c.After == "4.19.1.20250217" && c.Changed);
        Assert.Equal(Dom0EditorTests.Expected("expected-dom0", "/boot/loader.conf"), _tree.Read("boot/loader.conf"));
        Assert.False((await PlanAsync(state)).HasChanges);
    }

    [Fact]
    public async Task AFailingCapMkdbIsReportedAndTheFilesStayWritten()
    {
        File.AppendAllText(_tree.P("etc/login.conf"), "broken:\\\n\t:tc=xenps-loop:\n");
        var result = await ApplyAsync(State());
        Assert.NotNull(result.LoginDatabaseError);
        Assert.Equal("XenCapMkdbFailed", result.LoginDatabaseError!.ErrorId);
        Assert.Contains("potential reference loop detected", result.LoginDatabaseError.Message, StringComparison.Ordinal);
        Assert.Contains($"run 'cap_mkdb {_tree.P("etc/login.conf")}'", result.LoginDatabaseError.Message, StringComparison.Ordinal);
        Assert.Contains(result.Changes, c => c.Setting == "cap_mkdb" && c.After == "cap_mkdb failed" && !c.Changed);
        Assert.Equal(Dom0EditorTests.Expected("expected-dom0", "/etc/rc.conf"), _tree.Read("etc/rc.conf"));
        // Like the real cap_mkdb, which opens the database with O_TRUNC and unlinks it when it fails.
        Assert.False(File.Exists(_tree.P("etc/login.conf.db")));
        // The next run sees the missing database and tries again.
        var plan = await PlanAsync(State());
        Assert.True(plan.RebuildLoginDatabase);
        Assert.Equal("missing", plan.LoginDatabaseState);
    }

    [Fact]
    public async Task ARootThatIsNotAFreeBsdSystemIsRefused()
    {
        File.Delete(_tree.P("etc/login.conf"));
        var before = _tree.Snapshot();
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenNotFreeBsdSystem", ex.ErrorId);
        Assert.Equal(before, _tree.Snapshot());

        var missing = new Dom0Request { Root = _tree.P("nope") }.Validate();
        Assert.Equal("XenRootNotFound", (await Assert.ThrowsAsync<XenException>(() => PlanAsync(missing))).ErrorId);
    }

    [Fact]
    public async Task AnUnsafeFileStopsEverythingBeforeAnyChange()
    {
        File.AppendAllText(_tree.P("etc/rc.conf"), "ifconfig_bge2=\"inet 192.0.2.10/24\"\n");
        var before = _tree.Snapshot();
        var ex = await Assert.ThrowsAsync<XenException>(() => ApplyAsync(State()));
        Assert.Equal("XenDom0UnsafeChange", ex.ErrorId);
        Assert.Equal(before, _tree.Snapshot());
    }

    [Fact]
    public async Task RestartRunsShutdownOnTheHost()
    {
        _host.Redirect("shutdown");
        await new Dom0Applier(_host).RestartAsync(CancellationToken.None);
        Assert.Equal(new[] { "shutdown -r now" }, _host.Calls);
    }

    [Fact]
    public async Task TheWhatIfTextListsTheStepsAndAUnifiedDiffPerFile()
    {
        var plan = await PlanAsync(State());
        var text = plan.Describe();
        Assert.StartsWith($"Prepare the system mounted at {_tree.Root} on 'localhost' as a Xen Dom0 (FreeBSD 14.1-RELEASE-p5, Xen 4.19 (from pkg query: xen-kernel 4.19.1.20250217): dom0=pvh):", text, StringComparison.Ordinal);
        Assert.Contains("2. cap_mkdb " + _tree.P("etc/login.conf"), text, StringComparison.Ordinal);
        Assert.Contains($"--- a{_tree.P("boot/loader.conf")}", text, StringComparison.Ordinal);
        Assert.Contains("+xen_kernel=\"/boot/xen\"", text, StringComparison.Ordinal);
        Assert.Contains("--- /dev/null", text, StringComparison.Ordinal);
        Assert.Contains("-ifconfig_bge2=\"DHCP\"", text, StringComparison.Ordinal);
        Assert.Contains("+\t:memorylocked=unlimited:\\", text, StringComparison.Ordinal);
        Assert.True(plan.BootConfigurationChanged);
    }
}
