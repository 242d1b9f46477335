using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

/// <summary>New-XenDomU -ZfsVolume, the Handbook's way: with the zfs(8) stand-in (tests/XenPS.Tests/fakes/zfs, found
/// through XENPS_ZFS_PATH) that keeps its datasets in a folder, and a fake xl. No ZFS runs on the build machine.</summary>
public sealed class ZfsProvisioningTests : EngineTest
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-zfs-").FullName;
    private readonly string _log;

    public ZfsProvisioningTests()
    {
        Directory.CreateDirectory(P("datasets"));
        _log = P("calls.log");
        var zfs = Path.Combine(AppContext.BaseDirectory, "fakes", "zfs");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The stand-ins are sh scripts.");
        File.SetUnixFileMode(zfs, (UnixFileMode)Convert.ToInt32("755", 8));
        Environment.SetEnvironmentVariable("XENPS_ZFS_PATH", zfs);
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_DIR", P("datasets"));
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_POOLS", "zroot tank");
        Environment.SetEnvironmentVariable("XENPS_FAKE_LOG", _log);
    }

    protected override void Cleanup()
    {
        foreach (var v in new[] { "XENPS_ZFS_PATH", "XENPS_FAKE_ZFS_DIR", "XENPS_FAKE_ZFS_POOLS", "XENPS_FAKE_LOG" }) Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_dir, recursive: true);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string[] ZfsCalls() => File.Exists(_log) ? File.ReadAllLines(_log) : Array.Empty<string>();

    private string[] Datasets() => Directory.GetFiles(P("datasets")).Select(f => Path.GetFileName(f).Replace('%', '/')).OrderBy(x => x, StringComparer.Ordinal).ToArray();

    private string Args(string name, string volume) =>
        $"-Name {name} -MemoryMB 256 -VCpus 2 -ZfsVolume {volume} -DiskSizeGB 20 -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{P(name + ".cfg")}'";

    [Fact]
    public void TheVolumeIsCreatedAsTheHandbookDoesAndTheConfigPointsAtItsOwnPool()
    {
        var r = Run($"New-XenDomU {Args("freebsd", "zroot/xendisk0")} -NoStart");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zfs list -H -o name zroot/xendisk0", "zfs create -V20G -o volmode=dev zroot/xendisk0" }, ZfsCalls());
        Assert.Equal(new[] { "zroot/xendisk0" }, Datasets());
        Assert.Contains("volsize=20G", File.ReadAllLines(P("datasets/zroot%xendisk0")));
        Assert.Contains("volmode=dev", File.ReadAllLines(P("datasets/zroot%xendisk0")));
        // The Handbook makes the volume in zroot but points its config at tank: here the target is the volume made.
        Assert.Contains("disk = [ 'format=raw, vdev=hda, access=rw, target=/dev/zvol/zroot/xendisk0' ]", File.ReadAllText(P("freebsd.cfg")), StringComparison.Ordinal);
    }

    [Fact]
    public void WhatIfShowsTheZfsCommandAndCreatesNothing()
    {
        var r = Run($"New-XenDomU {Args("freebsd", "zroot/xendisk0")} -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("1. Create the ZFS volume zroot/xendisk0 (20 GB): zfs create -V20G -o volmode=dev zroot/xendisk0", Host.Text, StringComparison.Ordinal);
        Assert.Empty(Datasets());
        Assert.DoesNotContain(ZfsCalls(), c => c.StartsWith("zfs create", StringComparison.Ordinal));
        Assert.False(File.Exists(P("freebsd.cfg")));
    }

    [Fact]
    public void AFailedCreateDestroysTheVolumeItMade()
    {
        Xl.MapText("create " + P("web.cfg"), "", "Parsing config from x\nlibxl: error: libxl_device.c:1337:device_hotplug_child_death_cb: script: Could not find bridge device lo\n", 3);
        var r = Run($"New-XenDomU {Args("web", "tank/web")}");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenBridgeNotFound,XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Contains("destroyed the ZFS volume tank/web", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("zfs destroy tank/web", ZfsCalls().Last());
        Assert.Empty(Datasets());
        Assert.False(File.Exists(P("web.cfg")));
    }

    [Fact]
    public void AnExistingDatasetIsRefusedBeforeAnythingIsMade()
    {
        File.WriteAllText(P("datasets/zroot%xendisk0"), "volsize=8G\n");
        var r = Run($"New-XenDomU {Args("freebsd", "zroot/xendisk0")}");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenDiskExists,XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, e.CategoryInfo.Category);
        Assert.Contains("zroot/xendisk0 already exists", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "zfs list -H -o name zroot/xendisk0" }, ZfsCalls());
        Assert.Equal("volsize=8G\n", File.ReadAllText(P("datasets/zroot%xendisk0")));
        Assert.False(File.Exists(P("freebsd.cfg")));
    }

    [Fact]
    public void AMissingPoolIsZfssOwnErrorAndLeavesNothing()
    {
        var r = Run($"New-XenDomU {Args("freebsd", "nopool/xendisk0")}");
        var e = Assert.Single(r.Errors);
        Assert.Contains("no such pool 'nopool'", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("freebsd", e.TargetObject);
        Assert.Empty(Datasets());
        Assert.False(File.Exists(P("freebsd.cfg")));
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    [Fact]
    public void RemoveStorageDestroysAStoppedGuestsVolumeEachStepConfirmedOnItsOwn()
    {
        File.WriteAllText(P("install.iso"), "iso");
        Assert.Empty(Run($"New-XenDomU {Args("freebsd", "zroot/xendisk0")} -InstallMedia '{P("install.iso")}' -NoStart").Errors);
        File.Delete(_log);
        // Confirm each step: yes to the config, no to the volume.
        Host.ChoiceAnswers.Enqueue(0);
        Host.ChoiceAnswers.Enqueue(2);
        var r = Run($"Remove-XenDomain freebsd -RemoveConfig -RemoveStorage -ConfigPath '{P("freebsd.cfg")}' -Confirm");
        Assert.Empty(r.Errors);
        Assert.False(File.Exists(P("freebsd.cfg")));
        Assert.Equal(new[] { "zroot/xendisk0" }, Datasets());
        // Only the look for snapshots and clones that would forbid removing the volume (none here).
        Assert.Equal(new[] { "zfs list -H -p -o name,type,used,referenced,creation,createtxg,origin,clones,volsize,volmode,xenps:copy -t snapshot -d 1 zroot/xendisk0" }, ZfsCalls());

        Assert.Empty(Run($"New-XenDomU {Args("freebsd", "zroot/xendisk1")} -InstallMedia '{P("install.iso")}' -NoStart").Errors);
        File.Delete(_log);
        r = Run($"Remove-XenDomain freebsd -RemoveConfig -RemoveStorage -ConfigPath '{P("freebsd.cfg")}' -Confirm:$false");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zfs destroy zroot/xendisk1" }, ZfsCalls().Where(c => !c.StartsWith("zfs list", StringComparison.Ordinal)));
        Assert.Equal(new[] { "zroot/xendisk0" }, Datasets());
        // The install media is read-only: never deleted.
        Assert.True(File.Exists(P("install.iso")));
    }
}
