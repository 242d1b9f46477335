using System.Security.Cryptography;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>-Root never executes anything of the mounted system and never leaves it: every path is resolved on the
/// host inside the root (Dom0Target), through the real sh script, before anything is read or written.</summary>
public sealed class Dom0RootTests : IDisposable
{
    private readonly Dom0Tree _tree = new();
    private readonly ScriptedHost _host = new();
    private readonly string _outside = Directory.CreateTempSubdirectory("xenps outside ").FullName;

    public void Dispose()
    {
        _tree.Dispose();
        Directory.Delete(_outside, recursive: true);
    }

    private Dom0DesiredState State(Action<Dom0Request>? change = null)
    {
        var r = Dom0EditorTests.Handbook();
        r.Root = _tree.Root;
        change?.Invoke(r);
        return r.Validate();
    }

    private Task<Dom0Plan> PlanAsync(Dom0DesiredState state, bool audit = false) => new Dom0Planner(_host).PlanAsync(state, audit, CancellationToken.None);

    private SortedDictionary<string, string> Outside()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.GetFiles(_outside, "*", SearchOption.AllDirectories))
            map[Path.GetRelativePath(_outside, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        return map;
    }

    /// <summary>Initialize (plan and apply) and Test both refuse with XenRootPathEscapes, and nothing changes, in the
    /// root or outside it.</summary>
    private async Task<XenException> AssertRefusedAsync(string expectedPath)
    {
        var tree = _tree.Snapshot();
        var outside = Outside();
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenRootPathEscapes", ex.ErrorId);
        Assert.Equal(XenErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains(expectedPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        var audit = await Assert.ThrowsAsync<XenException>(() => new Dom0Auditor(_host).AuditAsync(State(), CancellationToken.None));
        Assert.Equal("XenRootPathEscapes", audit.ErrorId);
        Assert.Equal(tree, _tree.Snapshot());
        Assert.Equal(outside, Outside());
        return ex;
    }

    [Fact]
    public async Task ALoaderConfDLinkedToADirectoryOutsideTheRootIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_outside, "conf.d"));
        File.WriteAllText(Path.Combine(_outside, "conf.d", "20-old-xen.conf"), "xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n");
        File.CreateSymbolicLink(_tree.P("boot/loader.conf.d"), Path.Combine(_outside, "conf.d"));
        var ex = await AssertRefusedAsync(_tree.P("boot/loader.conf.d"));
        Assert.Contains("absolute path '" + Path.Combine(_outside, "conf.d") + "'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARelativeLinkThatLeadsOutOfTheRootIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_outside, "conf.d"));
        File.WriteAllText(Path.Combine(_outside, "conf.d", "x.conf"), "xen_kernel=\"/boot/evil\"\n");
        var relative = Path.GetRelativePath(_tree.P("boot"), Path.Combine(_outside, "conf.d"));
        Assert.StartsWith("../", relative, StringComparison.Ordinal);
        File.CreateSymbolicLink(_tree.P("boot/loader.conf.d"), relative);
        var ex = await AssertRefusedAsync(_tree.P("boot/loader.conf.d"));
        Assert.Contains("outside " + _tree.Root, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEtcLinkedToTheHostsEtcIsRefusedBeforeAnythingIsWritten()
    {
        // ROOT/etc -> a directory outside (standing in for the host's /etc), with the same files.
        Directory.Move(_tree.P("etc"), Path.Combine(_outside, "etc"));
        File.CreateSymbolicLink(_tree.P("etc"), Path.Combine(_outside, "etc"));
        await AssertRefusedAsync(_tree.P("etc"));
    }

    [Fact]
    public async Task AnRcConfLocalLinkedToAFileOfTheHostIsRefused()
    {
        File.WriteAllText(Path.Combine(_outside, "rc.conf.local"), "xencommons_enable=\"NO\"\n");
        File.CreateSymbolicLink(_tree.P("etc/rc.conf.local"), Path.Combine(_outside, "rc.conf.local"));
        await AssertRefusedAsync(_tree.P("etc/rc.conf.local"));
    }

    [Fact]
    public async Task AConfFileLinkedOutsideTheRootIsRefusedButAnIgnoredEntryIsNotLookedAt()
    {
        Directory.CreateDirectory(_tree.P("boot/loader.conf.d"));
        File.WriteAllText(Path.Combine(_outside, "secret"), "not a loader file\n");
        // The loader ignores README (its name does not end in "conf"): it is neither read nor refused.
        File.CreateSymbolicLink(_tree.P("boot/loader.conf.d/README"), Path.Combine(_outside, "secret"));
        var plan = await PlanAsync(State());
        Assert.DoesNotContain(plan.Files, f => f.Path.Contains("README", StringComparison.Ordinal));

        File.CreateSymbolicLink(_tree.P("boot/loader.conf.d/xen.conf"), Path.Combine(_outside, "secret"));
        await AssertRefusedAsync(_tree.P("boot/loader.conf.d/xen.conf"));
    }

    [Fact]
    public async Task ARelativeLinkInsideTheRootIsFollowedAndKept()
    {
        File.Move(_tree.P("boot/loader.conf"), _tree.P("boot/loader.conf.real"));
        File.CreateSymbolicLink(_tree.P("boot/loader.conf"), "loader.conf.real");
        var plan = await PlanAsync(State());
        var loader = Assert.Single(plan.Files, f => f.SystemPath == "/boot/loader.conf");
        Assert.Equal(_tree.P("boot/loader.conf.real"), loader.Path);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        Assert.Equal("loader.conf.real", new FileInfo(_tree.P("boot/loader.conf")).LinkTarget);
        Assert.Equal(Dom0EditorTests.Expected("expected-dom0", "/boot/loader.conf"), _tree.Read("boot/loader.conf.real"));
        Assert.False((await PlanAsync(State())).HasChanges);
    }

    [Fact]
    public async Task ALinkThatPointsNowhereInsideTheRootIsAMissingFile()
    {
        File.CreateSymbolicLink(_tree.P("boot/loader.conf.local"), "no-such-file");
        var plan = await PlanAsync(State());
        Assert.DoesNotContain(plan.Files, f => f.SystemPath == "/boot/loader.conf.local");
        Assert.DoesNotContain(plan.Sources.Loader.Sources, s => s.Path == "/boot/loader.conf.local");
    }

    [Fact]
    public async Task AHostileFileNameInLoaderConfFilesIsRefused()
    {
        File.AppendAllText(_tree.P("boot/loader.conf"), "loader_conf_files=\"/boot/../../../etc/master.passwd\"\n");
        var ex = await Assert.ThrowsAsync<XenException>(() => PlanAsync(State()));
        Assert.Equal("XenDom0ConfigUnreadable", ex.ErrorId);
        Assert.Contains("'..'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMountedSystemsFreebsdVersionIsReadNeverRun()
    {
        var canary = Path.Combine(_outside, "canary");
        File.WriteAllText(_tree.P("bin/freebsd-version"),
            "#!/bin/sh\nset -ef\n\nUSERLAND_VERSION=\"13.2-RELEASE-p1\"\n\n: > '" + canary + "'\necho \"$USERLAND_VERSION\"\n");
        File.SetUnixFileMode(_tree.P("bin/freebsd-version"), (UnixFileMode)Convert.ToInt32("755", 8));

        var plan = await PlanAsync(State());
        var checks = await new Dom0Auditor(_host).AuditAsync(State(), CancellationToken.None);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);

        Assert.False(File.Exists(canary), "the mounted system's freebsd-version was run");
        Assert.Equal("13.2-RELEASE-p1", plan.Facts.FreeBsdVersion);
        Assert.Equal(13, plan.Facts.FreeBsdMajor);
        Assert.Contains(checks, c => c.Check == "sysctl.conf: vm.max_user_wired");
        Assert.DoesNotContain(_host.Calls, c => c.Contains("freebsd-version", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("USERLAND_VERSION=\"14.1-RELEASE-p5\"\n", "14.1-RELEASE-p5")]
    [InlineData("#!/bin/sh\nset -ef\n\nUSERLAND_VERSION=\"15.0-CURRENT\"\r\n: ${ROOT:=}\n", "15.0-CURRENT")]
    [InlineData("USERLAND_VERSION=\"13.3-STABLE\"\nUSERLAND_VERSION=\"14.0-RELEASE\"\n", "13.3-STABLE")]
    [InlineData("USERLAND_VERSION=\"$(reboot)\"\n", null)]
    [InlineData("USERLAND_VERSION=\"14.1-RELEASE-p5; reboot\"\n", null)]
    [InlineData("  USERLAND_VERSION=\"14.1-RELEASE\"\n", null)]
    [InlineData("USERLAND_VERSION=\"@@REVISION@@-@@BRANCH@@\"\n", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void TheUserlandVersionIsTheAssignmentOfTheScript(string? script, string? expected) =>
        Assert.Equal(expected, Dom0Probe.ParseUserlandVersion(script));
}
