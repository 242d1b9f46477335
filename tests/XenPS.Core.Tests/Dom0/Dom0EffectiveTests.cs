using System.Text.RegularExpressions;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>
/// Test-XenDom0 and Initialize-XenDom0 judge the value that takes effect: FreeBSD's readers take the last assignment
/// across loader.conf, loader.conf.local and /boot/loader.conf.d/*.conf (the loader), rc.conf, rc.conf.local and
/// rc.conf.d/SERVICE (rc), sysctl.conf and sysctl.conf.local (the sysctl script). The real FreeBSD 14 files (Dom0Tree)
/// with overriding files added; the effective values are checked by <see cref="Reader"/>, a small reader written
/// from the documentation, independent of XenPS's parsers.
/// </summary>
public sealed class Dom0EffectiveTests : IDisposable
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

    private Task<List<XenDom0Check>> AuditAsync(Dom0DesiredState state) => new Dom0Auditor(_host).AuditAsync(state, CancellationToken.None);

    private Task<Dom0Plan> PlanAsync(Dom0DesiredState state) => new Dom0Planner(_host).PlanAsync(state, audit: false, CancellationToken.None);

    private async Task<Dom0ApplyResult> ApplyAsync(Dom0DesiredState state) => await new Dom0Applier(_host).ApplyAsync(await PlanAsync(state), CancellationToken.None);

    private void Write(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_tree.P(relative))!);
        File.WriteAllText(_tree.P(relative), text);
    }

    /// <summary>FreeBSD's readers in a few lines: the files in their documented order (loader.conf(5) and FreeBSD
    /// 14's /boot/defaults/loader.conf; rc.subr's load_rc_config; rc.d/sysctl), '#' lines and blank lines skipped,
    /// <c>name=value</c> or <c>name="value"</c>, the last assignment wins.</summary>
    private static class Reader
    {
        public static string? Loader(string root, string name) =>
            Last(root, name, new[] { "/boot/loader.conf", "/boot/loader.conf.local" }.Concat(ConfD(root)));

        public static string? Rc(string root, string name, string service) =>
            Last(root, name, new[] { "/etc/rc.conf", "/etc/rc.conf.local", "/etc/rc.conf.d/" + service, "/usr/local/etc/rc.conf.d/" + service });

        public static string? Sysctl(string root, string name) => Last(root, name, new[] { "/etc/sysctl.conf", "/etc/sysctl.conf.local" });

        private static IEnumerable<string> ConfD(string root) =>
            Directory.Exists(root + "/boot/loader.conf.d")
                ? Directory.GetFiles(root + "/boot/loader.conf.d", "*.conf").Select(f => "/boot/loader.conf.d/" + Path.GetFileName(f)).OrderBy(f => f, StringComparer.Ordinal)
                : Enumerable.Empty<string>();

        private static string? Last(string root, string name, IEnumerable<string> files)
        {
            string? value = null;
            var assignment = new Regex(@"^\s*" + Regex.Escape(name) + @"\s*=\s*(""(?<v>[^""]*)""|(?<v>[^\s""#]*))\s*(#.*)?$");
            foreach (var file in files.Where(f => File.Exists(root + f)))
            {
                foreach (var line in File.ReadAllLines(root + file))
                {
                    var m = assignment.Match(line);
                    if (m.Success) value = m.Groups["v"].Value;
                }
            }
            return value;
        }
    }

    [Fact]
    public async Task AnOldCommandLineInLoaderConfDAndXencommonsOffInRcConfLocalFailTheAuditUntilInitializeMakesTheWantedValuesTakeEffect()
    {
        Write("boot/loader.conf.d/20-old-xen.conf", "xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n");
        Write("etc/rc.conf.local", "xencommons_enable=\"NO\"\n");
        var state = State(r => r.Dom0Memory = "8192M");
        Assert.Equal("dom0_mem=2048M dom0=pvh", Reader.Loader(_tree.Root, "xen_cmdline"));
        Assert.Equal("NO", Reader.Rc(_tree.Root, "xencommons_enable", "xencommons"));

        var before = await AuditAsync(state);
        var oldXen = _tree.P("boot/loader.conf.d/20-old-xen.conf") + ":1";
        var mem = Assert.Single(before, c => c.Check == "loader.conf: xen_cmdline dom0_mem");
        Assert.False(mem.Compliant);
        Assert.Equal("dom0_mem=2048M", mem.Actual);
        Assert.Equal("dom0_mem=8192M", mem.Expected);
        Assert.Equal(oldXen, mem.Source);
        Assert.Equal(new[] { oldXen }, mem.ConflictsWith);
        Assert.Contains("then comment out " + oldXen, mem.Remedy, StringComparison.Ordinal);
        // dom0=pvh is right, but it takes effect from the old file.
        var pvh = Assert.Single(before, c => c.Check == "loader.conf: xen_cmdline dom0");
        Assert.True(pvh.Compliant);
        Assert.Equal(oldXen, pvh.Source);
        var xc = Assert.Single(before, c => c.Check == "rc.conf: xencommons_enable");
        Assert.False(xc.Compliant);
        Assert.Equal("NO", xc.Actual);
        Assert.Equal(_tree.P("etc/rc.conf.local") + ":1", xc.Source);
        Assert.Equal(new[] { _tree.P("etc/rc.conf.local") + ":1" }, xc.ConflictsWith);
        // The records of the overriding lines are not checks of their own.
        Assert.DoesNotContain(before, c => c.Check.StartsWith("20-old-xen.conf", StringComparison.Ordinal) || c.Check.StartsWith("rc.conf.local", StringComparison.Ordinal));

        var plan = await PlanAsync(state);
        Assert.Contains(plan.ChangedFiles, f => f.Path == _tree.P("boot/loader.conf.d/20-old-xen.conf"));
        Assert.Contains(plan.ChangedFiles, f => f.Path == _tree.P("etc/rc.conf.local"));
        Assert.Contains(plan.Settings, s => s.IsOverride && s.File == _tree.P("etc/rc.conf.local") && s.Setting == "xencommons_enable" && s.Before == "NO" && s.After is null && s.Changed);
        Assert.Contains("Commenting out what would override the settings: xen_cmdline at " + oldXen, plan.Describe(), StringComparison.Ordinal);
        var result = await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);

        // What FreeBSD reads now.
        var cmdline = Reader.Loader(_tree.Root, "xen_cmdline")!.Split(' ');
        Assert.Contains("dom0_mem=8192M", cmdline);
        Assert.Contains("dom0=pvh", cmdline);
        Assert.Contains("dom0_max_vcpus=4", cmdline);
        Assert.DoesNotContain("dom0_mem=2048M", cmdline);
        Assert.Equal("YES", Reader.Rc(_tree.Root, "xencommons_enable", "xencommons"));
        Assert.Equal("/boot/xen", Reader.Loader(_tree.Root, "xen_kernel"));
        // The old lines are commented out, with the reason, and backed up.
        Assert.Equal("# Disabled by Initialize-XenDom0 (XenPS): xen_cmdline is set in /boot/loader.conf.\n#xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n", _tree.Read("boot/loader.conf.d/20-old-xen.conf"));
        Assert.Equal("# Disabled by Initialize-XenDom0 (XenPS): xencommons_enable is set in /etc/rc.conf.\n#xencommons_enable=\"NO\"\n", _tree.Read("etc/rc.conf.local"));
        Assert.Equal("xencommons_enable=\"NO\"\n", File.ReadAllText(result.Written.Single(w => w.Path == _tree.P("etc/rc.conf.local")).BackupPath!));
        // The loader does not read the backup (its name does not end in "conf").
        Assert.DoesNotContain(Directory.GetFiles(_tree.P("boot/loader.conf.d")), f => f.EndsWith("conf", StringComparison.Ordinal) && !f.EndsWith("20-old-xen.conf", StringComparison.Ordinal));

        var after = await AuditAsync(state);
        Assert.All(after, c => Assert.True(c.Compliant, $"{c.Check}: expected {c.Expected}, found {c.Actual} ({c.Source})"));
        var memAfter = Assert.Single(after, c => c.Check == "loader.conf: xen_cmdline dom0_mem");
        Assert.StartsWith(_tree.P("boot/loader.conf") + ":", memAfter.Source, StringComparison.Ordinal);
        Assert.Empty(memAfter.ConflictsWith);
        Assert.False((await PlanAsync(state)).HasChanges);
    }

    [Fact]
    public async Task AValueRightInALaterFileIsCompliantAndItsFilesAreLeftAsTheyAre()
    {
        Write("etc/rc.conf", _tree.Read("etc/rc.conf") + "xencommons_enable=\"NO\"\n");
        Write("etc/rc.conf.local", "xencommons_enable=\"yes\"\n");
        Assert.Equal("yes", Reader.Rc(_tree.Root, "xencommons_enable", "xencommons"));
        var plan = await PlanAsync(State());
        var xc = Assert.Single(plan.Settings, s => s.Setting == "xencommons_enable");
        Assert.False(xc.Changed);
        Assert.Equal("yes", xc.Before);
        Assert.Equal(_tree.P("etc/rc.conf.local") + ":1", xc.Source);
        Assert.Empty(xc.ConflictsWith);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        Assert.Contains("\nxencommons_enable=\"NO\"\n", _tree.Read("etc/rc.conf"), StringComparison.Ordinal);
        Assert.DoesNotContain("xencommons_enable=\"YES\"", _tree.Read("etc/rc.conf"), StringComparison.Ordinal);
        Assert.Equal("xencommons_enable=\"yes\"\n", _tree.Read("etc/rc.conf.local"));
        Assert.False((await PlanAsync(State())).HasChanges);
    }

    [Fact]
    public async Task SysctlConfLocalAndRcConfDOverridesAreCommentedOut()
    {
        Write("etc/sysctl.conf.local", "# site settings\nvm.max_user_wired=0\nkern.maxfiles=10000\n");
        Write("etc/rc.conf.d/xencommons", "xencommons_enable=NO\n");
        Write("usr/local/etc/rc.conf.d/netif", "cloned_interfaces=\"lagg0\"\n");
        Assert.Equal("0", Reader.Sysctl(_tree.Root, "vm.max_user_wired"));
        var before = await AuditAsync(State());
        Assert.Contains(before, c => c.Check == "sysctl.conf: vm.max_user_wired" && !c.Compliant && c.Actual == "0" && c.Source == _tree.P("etc/sysctl.conf.local") + ":2");
        Assert.Contains(before, c => c.Check == "rc.conf: cloned_interfaces" && !c.Compliant && c.Actual == "lagg0" && c.Source == _tree.P("usr/local/etc/rc.conf.d/netif") + ":1");

        await ApplyAsync(State());
        Assert.Equal("-1", Reader.Sysctl(_tree.Root, "vm.max_user_wired"));
        Assert.Equal("YES", Reader.Rc(_tree.Root, "xencommons_enable", "xencommons"));
        // The list keeps the word of the file that took effect.
        Assert.Equal("lagg0 bridge0", Reader.Rc(_tree.Root, "cloned_interfaces", "netif"));
        Assert.Equal("# site settings\n# Disabled by Initialize-XenDom0 (XenPS): vm.max_user_wired is set in /etc/sysctl.conf.\n#vm.max_user_wired=0\nkern.maxfiles=10000\n", _tree.Read("etc/sysctl.conf.local"));
        Assert.All(await AuditAsync(State()), c => Assert.True(c.Compliant, $"{c.Check}: {c.Actual} ({c.Source})"));
    }

    [Fact]
    public async Task FilesOfLoaderConfDThatDisagreeAreAmbiguousAndTheOtherValueIsCommentedOut()
    {
        await ApplyAsync(State());
        Assert.Equal("/boot/xen", Reader.Loader(_tree.Root, "xen_kernel"));
        // Sorted, 20-b.conf comes last and is right; but the loader reads the directory in its own order.
        Write("boot/loader.conf.d/10-a.conf", "xen_kernel=\"/boot/xen.old\"\n");
        Write("boot/loader.conf.d/20-b.conf", "xen_kernel=\"/boot/xen\"\n");
        var check = Assert.Single(await AuditAsync(State()), c => c.Check == "loader.conf: xen_kernel");
        Assert.False(check.Compliant);
        Assert.Equal(new[] { _tree.P("boot/loader.conf.d/10-a.conf") + ":1" }, check.ConflictsWith);

        await ApplyAsync(State());
        Assert.Equal("xen_kernel=\"/boot/xen\"\n", _tree.Read("boot/loader.conf.d/20-b.conf"));
        Assert.StartsWith("# Disabled by Initialize-XenDom0", _tree.Read("boot/loader.conf.d/10-a.conf"), StringComparison.Ordinal);
        Assert.True(Assert.Single(await AuditAsync(State()), c => c.Check == "loader.conf: xen_kernel").Compliant);
    }

    [Fact]
    public async Task FreeBsd142LoaderConfLocalIsReadLast()
    {
        var defaults = _tree.Read("boot/defaults/loader.conf").Replace(
            "loader_conf_files=\"/boot/device.hints /boot/loader.conf /boot/loader.conf.local\"\n",
            "loader_conf_files=\"/boot/device.hints /boot/loader.conf\"\nlocal_loader_conf_files=\"/boot/loader.conf.local\"\n", StringComparison.Ordinal);
        Write("boot/defaults/loader.conf", defaults);
        Write("boot/loader.conf.local", "if_tap_load=\"NO\"\n");
        Write("boot/loader.conf.d/tap.conf", "if_tap_load=\"YES\"\n");
        var plan = await PlanAsync(State());
        var tap = Assert.Single(plan.Settings, s => s.Setting == "if_tap_load" && !s.IsOverride);
        Assert.Equal("NO", tap.Before);
        Assert.Equal(_tree.P("boot/loader.conf.local") + ":1", tap.Source);
        Assert.Equal(new[] { _tree.P("boot/loader.conf.local") + ":1" }, tap.ConflictsWith);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        Assert.StartsWith("# Disabled by Initialize-XenDom0 (XenPS): if_tap_load is set in /boot/loader.conf.", _tree.Read("boot/loader.conf.local"), StringComparison.Ordinal);
        Assert.Equal("xen_kernel=\"/boot/xen\"", _tree.Read("boot/loader.conf").Split('\n').Single(l => l.StartsWith("xen_kernel", StringComparison.Ordinal)));
        Assert.False((await PlanAsync(State())).HasChanges);
    }

    [Fact]
    public async Task AnOverrideInAnRcConfDDirectoryIsRefusedBecauseItsBackupWouldBeRead()
    {
        Write("etc/rc.conf.d/xencommons/site", "xencommons_enable=\"NO\"\n");
        var snapshot = _tree.Snapshot();
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenDom0UnsafeChange", ex.ErrorId);
        Assert.Contains(_tree.P("etc/rc.conf.d/xencommons/site"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("by hand", ex.Message, StringComparison.Ordinal);
        Assert.Equal(snapshot, _tree.Snapshot());
    }

    [Fact]
    public async Task ARemovedSettingIsCommentedOutWhereverItIs()
    {
        Write("boot/loader.conf.d/debug.conf", "boot_verbose=\"YES\"\n");
        var plan = await PlanAsync(State(r => r.BootDiagnostics = false));
        var verbose = Assert.Single(plan.Settings, s => s.Setting == "boot_verbose" && !s.IsOverride);
        Assert.True(verbose.Changed);
        Assert.Equal("YES", verbose.Before);
        Assert.Null(verbose.After);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        Assert.Null(Reader.Loader(_tree.Root, "boot_verbose"));
        Assert.False((await PlanAsync(State(r => r.BootDiagnostics = false))).HasChanges);
    }

    [Fact]
    public async Task RcConfFilesThatLeaveOutRcConfAreRefused()
    {
        Write("etc/defaults/rc.conf", "rc_conf_files=\"/etc/rc.conf.site\"\nlocal_startup=\"/usr/local/etc/rc.d\"\n");
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenDom0UnsafeChange", ex.ErrorId);
        Assert.Contains("does not read /etc/rc.conf", ex.Message, StringComparison.Ordinal);
    }
}
