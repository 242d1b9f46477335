using System.Globalization;
using System.Reflection;
using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

/// <summary>Checkpoint-XenDomain, Get-, Restore- and Remove-XenDomainCheckpoint and Copy-XenDomU against the zfs(8)
/// stand-in (tests/XenPS.Tests/fakes/zfs: datasets as files, zfs's documented behaviour and the messages captured in the
/// lab) and a fake xl: the commands run, -WhatIf, the refusals, the rollback of a failed or interrupted copy, and the
/// pipeline binding. The same cmdlets against real ZFS: tests/XenPS.Lab.Tests/ZfsLabTests.cs.</summary>
public sealed class ZfsCheckpointTests : EngineTest
{
    private const string DomainList = "Name                                        ID   Mem VCPUs\tState\tTime(s)\nDomain-0                                     0   768     2     r-----     157.8\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-zfsck-").FullName;
    private readonly string _log;

    public ZfsCheckpointTests()
    {
        Directory.CreateDirectory(P("datasets"));
        Directory.CreateDirectory(P("etc"));
        _log = P("calls.log");
        var zfs = Path.Combine(AppContext.BaseDirectory, "fakes", "zfs");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The stand-ins are sh scripts.");
        File.SetUnixFileMode(zfs, (UnixFileMode)Convert.ToInt32("755", 8));
        // zfs runs by its path (XENPS_ZFS_PATH) and, inside the send | receive script, from PATH (the fake xl's folder).
        File.Copy(zfs, Path.Combine(Xl.Directory, "zfs"));
        File.SetUnixFileMode(Path.Combine(Xl.Directory, "zfs"), (UnixFileMode)Convert.ToInt32("755", 8));
        Environment.SetEnvironmentVariable("XENPS_ZFS_PATH", zfs);
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_DIR", P("datasets"));
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_POOLS", "zroot tank");
        Environment.SetEnvironmentVariable("XENPS_FAKE_LOG", _log);
        Environment.SetEnvironmentVariable("XENPS_XEN_CONFIG_DIR", P("etc"));
        Xl.MapText("list", DomainList);
        Xl.MapText("list -l", "[\n]\n");
    }

    protected override void Cleanup()
    {
        foreach (var v in new[] { "XENPS_ZFS_PATH", "XENPS_FAKE_ZFS_DIR", "XENPS_FAKE_ZFS_POOLS", "XENPS_FAKE_LOG", "XENPS_XEN_CONFIG_DIR", "XENPS_FAKE_ZFS_FAIL", "XENPS_FAKE_ZFS_SLEEP", "XENPS_FAKE_ZFS_BUSY", "XENPS_FAKE_ZFS_RACE" })
            Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_dir, recursive: true);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string[] ZfsCalls() => File.Exists(_log) ? File.ReadAllLines(_log) : Array.Empty<string>();

    /// <summary>The zfs calls that change something (list is left out).</summary>
    private string[] ZfsChanges() => ZfsCalls().Where(c => !c.StartsWith("zfs list", StringComparison.Ordinal)).ToArray();

    private string[] Datasets() => Directory.GetFiles(P("datasets")).Select(f => Path.GetFileName(f).Replace('%', '/')).OrderBy(x => x, StringComparer.Ordinal).ToArray();

    private string DatasetFile(string name) => P("datasets/" + name.Replace('/', '%'));

    /// <summary>A property the stand-in keeps for a dataset (the last line KEY=...).</summary>
    private string? Property(string dataset, string key) =>
        File.ReadAllLines(DatasetFile(dataset)).LastOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    /// <summary>Writes "data" into a volume, as a guest writing to its disk would.</summary>
    private void WriteData(string volume, string data)
    {
        var lines = File.ReadAllLines(DatasetFile(volume)).Where(l => !l.StartsWith("data=", StringComparison.Ordinal)).Append("data=" + data);
        File.WriteAllLines(DatasetFile(volume), lines);
    }

    private void Zfs(string arguments)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "fakes", "zfs")) { RedirectStandardError = true };
        foreach (var a in arguments.Split(' ')) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "zfs " + arguments + ": " + p.StandardError.ReadToEnd());
    }

    /// <summary>A stopped guest: its volumes in the stand-in and its config file (one vif).</summary>
    private string Guest(string name, params string[] disks)
    {
        var lines = new List<string>();
        var vdev = 'a';
        foreach (var d in disks)
        {
            if (d.StartsWith('/')) lines.Add($"'format=raw, vdev=xvd{vdev++}, access=rw, target={d}'");
            else
            {
                Zfs($"create -V1G -o volmode=dev {d}");
                lines.Add($"'format=raw, vdev=xvd{vdev++}, access=rw, target=/dev/zvol/{d}'");
            }
        }
        var path = P($"etc/{name}.cfg");
        File.WriteAllText(path, $"name = \"{name}\"\ntype = \"pv\"\nuuid = \"6a1c9f9e-8f0b-4c1e-9d3a-2f1e0c5b7a11\"\nmemory = 128\nvcpus = 1\n" +
            $"kernel = \"/var/lib/xen/guest-vmlinux\"\ndisk = [ {string.Join(", ", lines)} ]\nvif = [ 'mac=00:16:3e:0a:0b:0c,bridge=bridge0' ]\n");
        File.Delete(_log);
        return path;
    }

    /// <summary>xl list and xl list -l show <paramref name="name"/> running as id 7 with these volumes.</summary>
    private void Running(string name, string state, params string[] volumes)
    {
        Xl.MapText("list", DomainList + $"{name,-40}     7   128     1     {state}      22.4\n");
        var disks = string.Join(",\n", volumes.Select((v, i) =>
            $"                {{\n                    \"pdev_path\": \"/dev/zvol/{v}\",\n                    \"vdev\": \"xvd{(char)('a' + i)}\",\n                    \"format\": \"raw\",\n                    \"readwrite\": 1\n                }}"));
        var uuid = FakeXl.UuidOf(name).ToString("D");
        Xl.MapText("list -l", $$"""
            [
                {
                    "domid": 7,
                    "config": {
                        "c_info": {
                            "type": "pv",
                            "name": "{{name}}",
                            "uuid": "{{uuid}}"
                        },
                        "b_info": {
                            "max_vcpus": 1,
                            "max_memkb": 131072,
                            "target_memkb": 131072
                        },
                        "disks": [
            {{disks}}
                        ]
                    }
                }
            ]

            """);
        Xl.MapText("pause 7", "");
        Xl.MapText("unpause 7", "");
    }

    private static void AssertError(RunResult r, string id, string target, ErrorCategory category)
    {
        var e = Assert.Single(r.Errors);
        Assert.Equal(id, e.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, e.CategoryInfo.Category);
        Assert.Equal(target, e.TargetObject);
    }

    // ------------------------------------------------------------------ Checkpoint-XenDomain

    [Fact]
    public void ACheckpointIsOneZfsSnapshotOfEveryVolumeOfTheGuest()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        var r = Run("Checkpoint-XenDomain web -CheckpointName before-upgrade");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zfs snapshot zroot/web-disk0@before-upgrade zroot/web-disk1@before-upgrade" }, ZfsChanges());
        var c = Assert.Single(r.Output);
        Assert.Equal("XenPS.XenStorageCheckpoint", c.TypeNames[0]);
        Assert.Equal(("web", "before-upgrade", "localhost"), ((string)Prop(c, "Name")!, (string)Prop(c, "CheckpointName")!, (string)Prop(c, "ComputerName")!));
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web-disk1" }, (IEnumerable<string>)Prop(c, "Datasets")!);
        Assert.Equal(new[] { "zroot/web-disk0@before-upgrade", "zroot/web-disk1@before-upgrade" }, (IEnumerable<string>)Prop(c, "Snapshots")!);
        Assert.True((bool)Prop(c, "IsComplete")!);
        // Both snapshots in one transaction: the same createtxg.
        Assert.Equal(Property("zroot/web-disk0@before-upgrade", "createtxg"), Property("zroot/web-disk1@before-upgrade", "createtxg"));
    }

    [Fact]
    public void WithoutANameTheCheckpointIsNamedAfterTheTime()
    {
        Guest("web", "zroot/web-disk0");
        var before = DateTime.UtcNow.AddSeconds(-1);
        var name = (string)Prop(Assert.Single(Run("Checkpoint-XenDomain web").Output), "CheckpointName")!;
        Assert.Matches("^ckpt-[0-9]{8}-[0-9]{6}$", name);
        var at = DateTime.ParseExact(name[5..], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        Assert.InRange(at, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
    }

    [Fact]
    public void WhatIfListsTheStepsAndTakesNothing()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        Running("web", "-b----", "zroot/web-disk0", "zroot/web-disk1");
        var r = Run("Checkpoint-XenDomain web before -Pause -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("1. Pause web (id 7) on localhost: xl pause 7", Host.Text, StringComparison.Ordinal);
        Assert.Contains("2. Take the checkpoint 'before' of zroot/web-disk0, zroot/web-disk1 in one transaction: zfs snapshot zroot/web-disk0@before zroot/web-disk1@before", Host.Text, StringComparison.Ordinal);
        Assert.Contains("3. Unpause web: xl unpause 7", Host.Text, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());
        Assert.DoesNotContain(Xl.Calls, c => c.Contains("pause", StringComparison.Ordinal));
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web-disk1" }, Datasets());
    }

    [Fact]
    public void PauseWrapsTheSnapshotAndTheGuestIsUnpausedEvenWhenTheSnapshotFails()
    {
        Guest("web", "zroot/web-disk0");
        Running("web", "-b----", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one -Pause").Errors);
        Assert.Equal(new[] { "pause 7", "unpause 7" }, Xl.Calls.Where(c => c.Contains("pause", StringComparison.Ordinal)));
        Assert.True(File.Exists(DatasetFile("zroot/web-disk0@one")));

        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_FAIL", "snapshot zroot/web-disk0@two");
        var r = Run("Checkpoint-XenDomain web two -Pause");
        AssertError(r, "XenZfsOutOfSpace", "web", ErrorCategory.ResourceUnavailable);
        Assert.Contains("The guest was unpaused", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "pause 7", "unpause 7", "pause 7", "unpause 7" }, Xl.Calls.Where(c => c.Contains("pause", StringComparison.Ordinal)));
    }

    [Fact]
    public void CtrlCDuringThePausedSnapshotStillUnpausesTheGuest()
    {
        Guest("web", "zroot/web-disk0");
        Running("web", "-b----", "zroot/web-disk0");
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_SLEEP", "snapshot zroot/web-disk0@stuck");
        using var ps = PowerShell.Create();
        ps.Runspace = Engine.Runspace;
        ps.AddCommand("Checkpoint-XenDomain").AddParameter("Name", "web").AddParameter("CheckpointName", "stuck").AddParameter("Pause");
        var started = DateTime.UtcNow;
        var async = ps.BeginInvoke();
        while (!ZfsCalls().Any(c => c.StartsWith("zfs snapshot", StringComparison.Ordinal)) && DateTime.UtcNow - started < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
        Assert.Contains(ZfsCalls(), c => c.StartsWith("zfs snapshot", StringComparison.Ordinal));
        ps.Stop();
        Assert.True(async.IsCompleted);
        Assert.Equal(new[] { "pause 7", "unpause 7" }, Xl.Calls.Where(c => c.Contains("pause", StringComparison.Ordinal)));
        Assert.False(File.Exists(DatasetFile("zroot/web-disk0@stuck")));
    }

    [Fact]
    public void AGuestThatIsAlreadyPausedIsNeitherPausedNorUnpaused()
    {
        Guest("web", "zroot/web-disk0");
        Running("web", "--p---", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one -Pause").Errors);
        Assert.DoesNotContain(Xl.Calls, c => c.Contains("pause", StringComparison.Ordinal));
        Assert.True(File.Exists(DatasetFile("zroot/web-disk0@one")));
    }

    [Fact]
    public void AFileDiskIsRefusedAndNothingIsTaken()
    {
        Guest("mixed", "zroot/mixed-disk0", "/var/lib/xen/images/mixed-data.img");
        var r = Run("Checkpoint-XenDomain mixed before");
        AssertError(r, "XenCheckpointUnsupportedDisk", "mixed", ErrorCategory.InvalidOperation);
        Assert.Contains("xvdb (/var/lib/xen/images/mixed-data.img) is not", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());
    }

    [Fact]
    public void VolumesInTwoPoolsAreRefused()
    {
        Guest("split", "zroot/split-disk0", "tank/split-disk1");
        var r = Run("Checkpoint-XenDomain split before");
        AssertError(r, "XenCheckpointSpansPools", "split", ErrorCategory.InvalidOperation);
        Assert.Empty(ZfsChanges());
    }

    [Fact]
    public void AnExistingCheckpointNameAndABadNameAreRefused()
    {
        Guest("web", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one").Errors);
        AssertError(Run("Checkpoint-XenDomain web one"), "XenCheckpointExists", "web", ErrorCategory.ResourceExists);
        AssertError(Run("Checkpoint-XenDomain web 'a b'"), "XenInvalidCheckpointName", "web", ErrorCategory.InvalidArgument);
        AssertError(Run("Checkpoint-XenDomain web '-r'"), "XenInvalidCheckpointName", "web", ErrorCategory.InvalidArgument);
        Assert.Equal(new[] { "zfs snapshot zroot/web-disk0@one" }, ZfsChanges());
    }

    [Fact]
    public void AGuestThatNeitherRunsNorHasAConfigIsNotFound()
    {
        AssertError(Run("Checkpoint-XenDomain ghost one"), "XenDomainNotFound", "ghost", ErrorCategory.ObjectNotFound);
        Assert.Empty(ZfsCalls());
    }

    [Fact]
    public void GuestsComeFromThePipelineOfGetXenDomUConfigWithTheirPath()
    {
        var path = Guest("web", "zroot/web-disk0");
        File.Move(path, P("web-elsewhere.cfg"));
        var r = Run($"Get-XenDomUConfig -Path '{P("web-elsewhere.cfg")}' | Checkpoint-XenDomain -CheckpointName piped");
        Assert.Empty(r.Errors);
        Assert.Equal("web", (string)Prop(Assert.Single(r.Output), "Name")!);
        Assert.True(File.Exists(DatasetFile("zroot/web-disk0@piped")));
    }

    // ------------------------------------------------------------------ Get-XenDomainCheckpoint

    [Fact]
    public void GetListsTheCheckpointsOldestFirstAndFiltersByName()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        Guest("db", "tank/db");
        foreach (var n in new[] { "b-second", "a-first" }) Assert.Empty(Run($"Checkpoint-XenDomain web {n}").Errors);
        Assert.Empty(Run("Checkpoint-XenDomain db nightly").Errors);
        // A snapshot of one volume only: listed, but not complete.
        Zfs("snapshot zroot/web-disk1@manual");

        var all = Run("Get-XenDomainCheckpoint web");
        Assert.Empty(all.Errors);
        Assert.Equal(new[] { "b-second", "a-first", "manual" }, all.Output.Select(o => (string)Prop(o, "CheckpointName")!));
        var manual = all.Output[2];
        Assert.False((bool)Prop(manual, "IsComplete")!);
        Assert.Equal(new[] { "zroot/web-disk0" }, (IEnumerable<string>)Prop(manual, "MissingDatasets")!);

        Assert.Equal(new[] { "a-first" }, Run("Get-XenDomainCheckpoint web a-*").Output.Select(o => (string)Prop(o, "CheckpointName")!));
        // Without a name: every guest of the configuration directory.
        Assert.Equal(new[] { "db@nightly", "web@a-first", "web@b-second", "web@manual" },
            Run("Get-XenDomainCheckpoint").Output.Select(o => o.ToString()).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void TheDefaultTableOfACheckpointFitsEightyColumns()
    {
        var repo = typeof(ZfsCheckpointTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;
        var doc = System.Xml.Linq.XDocument.Load(Path.Combine(repo, "module", "XenPS.Format.ps1xml"));
        var view = doc.Descendants("View").Single(v => (string?)v.Element("Name") == "XenStorageCheckpointTable");
        Assert.Equal("XenPS.XenStorageCheckpoint", (string?)view.Descendants("TypeName").Single());
        var widths = view.Descendants("TableColumnHeader").Select(h => (int)h.Element("Width")!).ToList();
        Assert.Equal(6, widths.Count);
        Assert.True(widths.Sum() + widths.Count - 1 <= 80, $"{widths.Sum() + widths.Count - 1} columns");
    }

    // ------------------------------------------------------------------ Restore-XenDomainCheckpoint

    [Fact]
    public void RestoreRollsEveryVolumeBackAndRefusesToLoseLaterCheckpointsWithoutForce()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        WriteData("zroot/web-disk0", "v1-a");
        WriteData("zroot/web-disk1", "v1-b");
        Assert.Empty(Run("Checkpoint-XenDomain web one").Errors);
        WriteData("zroot/web-disk0", "v2-a");
        WriteData("zroot/web-disk1", "v2-b");
        Assert.Empty(Run("Checkpoint-XenDomain web two").Errors);
        WriteData("zroot/web-disk0", "v3-a");
        File.Delete(_log);

        var r = Run("Restore-XenDomainCheckpoint web one -Confirm:$false");
        AssertError(r, "XenCheckpointNotLatest", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("would destroy the later checkpoint two (zroot/web-disk0@two, zroot/web-disk1@two)", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());
        Assert.Equal("v3-a", Property("zroot/web-disk0", "data"));

        r = Run("Restore-XenDomainCheckpoint web two -Confirm:$false");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zfs rollback zroot/web-disk0@two", "zfs rollback zroot/web-disk1@two" }, ZfsChanges());
        Assert.Equal(("v2-a", "v2-b"), (Property("zroot/web-disk0", "data"), Property("zroot/web-disk1", "data")));

        File.Delete(_log);
        r = Run("Get-XenDomainCheckpoint web one | Restore-XenDomainCheckpoint -Force -Confirm:$false -PassThru");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zfs rollback -r zroot/web-disk0@one", "zfs rollback -r zroot/web-disk1@one" }, ZfsChanges());
        Assert.Equal(("v1-a", "v1-b"), (Property("zroot/web-disk0", "data"), Property("zroot/web-disk1", "data")));
        Assert.Equal("one", (string)Prop(Assert.Single(r.Output), "CheckpointName")!);
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web-disk0@one", "zroot/web-disk1", "zroot/web-disk1@one" }, Datasets());
    }

    [Fact]
    public void RestoreWhatIfNamesTheSnapshotsItWouldDestroy()
    {
        Guest("web", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one").Errors);
        Assert.Empty(Run("Checkpoint-XenDomain web two").Errors);
        File.Delete(_log);
        Assert.Empty(Run("Restore-XenDomainCheckpoint web one -Force -WhatIf").Errors);
        Assert.Contains("1. Roll zroot/web-disk0 back to zroot/web-disk0@one: zfs rollback -r zroot/web-disk0@one (destroys zroot/web-disk0@two)", Host.Text, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());
    }

    [Fact]
    public void RestoreRefusesARunningGuestAndAVolumeAnotherDomainUses()
    {
        Guest("web", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one").Errors);
        Running("web", "-b----", "zroot/web-disk0");
        File.Delete(_log);
        var r = Run("Restore-XenDomainCheckpoint web one -Confirm:$false");
        AssertError(r, "XenDomainRunning", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("Stop-XenDomain web", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());

        // Another guest (running under its own name) uses web's volume.
        Running("intruder", "-b----", "zroot/web-disk0");
        r = Run("Restore-XenDomainCheckpoint web one -Confirm:$false");
        AssertError(r, "XenCheckpointDiskInUse", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("zroot/web-disk0 is a disk of the running domain intruder", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(ZfsChanges());
    }

    [Fact]
    public void RestoreRefusesACheckpointThatDoesNotCoverEveryDisk()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        Zfs("snapshot zroot/web-disk0@half");
        File.Delete(_log);
        var r = Run("Restore-XenDomainCheckpoint web half -Confirm:$false");
        AssertError(r, "XenCheckpointIncomplete", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("zroot/web-disk1 has no snapshot @half", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        AssertError(Run("Restore-XenDomainCheckpoint web nope -Confirm:$false"), "XenCheckpointNotFound", "web", ErrorCategory.ObjectNotFound);
        Assert.Empty(ZfsChanges());
    }

    // ------------------------------------------------------------------ Copy-XenDomU and Remove-XenDomainCheckpoint

    [Fact]
    public void ACopyIsACloneWithANewNameANewMacAndNoUuid()
    {
        var source = File.ReadAllText(Guest("web", "zroot/web-disk0", "zroot/web-disk1"));
        WriteData("zroot/web-disk0", "system");
        var r = Run("Copy-XenDomU web -NewName web2");
        Assert.Empty(r.Errors);
        Assert.Equal(source, File.ReadAllText(P("etc/web.cfg")));
        var changes = ZfsChanges();
        Assert.Equal(3, changes.Length);
        Assert.Matches("^zfs snapshot -o xenps:copy=[0-9a-f]{32} zroot/web-disk0@copy-web2 zroot/web-disk1@copy-web2$", changes[0]);
        Assert.Matches("^zfs clone -o volmode=dev -o xenps:copy=[0-9a-f]{32} zroot/web-disk0@copy-web2 zroot/web2-disk0$", changes[1]);
        Assert.Matches("^zfs clone -o volmode=dev -o xenps:copy=[0-9a-f]{32} zroot/web-disk1@copy-web2 zroot/web2-disk1$", changes[2]);
        Assert.Equal("zroot/web-disk0@copy-web2", Property("zroot/web2-disk0", "origin"));
        Assert.Equal("system", Property("zroot/web2-disk0", "data"));

        var text = File.ReadAllText(P("etc/web2.cfg"));
        Assert.Contains("name = \"web2\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("uuid", text, StringComparison.Ordinal);
        Assert.Contains("target=/dev/zvol/zroot/web2-disk0", text, StringComparison.Ordinal);
        Assert.Contains("target=/dev/zvol/zroot/web2-disk1", text, StringComparison.Ordinal);
        var mac = System.Text.RegularExpressions.Regex.Match(text, "mac=([0-9a-f:]{17})").Groups[1].Value;
        Assert.StartsWith("00:16:3e:", mac, StringComparison.Ordinal);
        Assert.NotEqual("00:16:3e:0a:0b:0c", mac);
        var config = Assert.Single(r.Output);
        Assert.Equal(("web2", P("etc/web2.cfg")), ((string)Prop(config, "Name")!, (string)Prop(config, "Path")!));

        // The clone holds its origin: the copy's snapshot is a checkpoint of web that cannot be removed...
        var c = Assert.Single(Run("Get-XenDomainCheckpoint web").Output);
        Assert.Equal(new[] { "zroot/web2-disk0", "zroot/web2-disk1" }, (IEnumerable<string>)Prop(c, "Clones")!);
        File.Delete(_log);
        var e = Run("Remove-XenDomainCheckpoint web copy-web2 -Confirm:$false");
        AssertError(e, "XenCheckpointHasClones", "web@copy-web2", ErrorCategory.InvalidOperation);
        Assert.Contains("zroot/web-disk0@copy-web2 is the origin of zroot/web2-disk0", e.Errors[0].Exception.Message, StringComparison.Ordinal);
        // ...and web's disks cannot be removed either, before anything is removed.
        e = Run("Remove-XenDomain web -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertError(e, "XenStorageHasDependents", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("zroot/web-disk0 has the snapshot @copy-web2, and the clone zroot/web2-disk0 depends on it", e.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(P("etc/web.cfg")));
        Assert.Empty(ZfsChanges());

        // Once the copy is gone, the checkpoint goes, then the source.
        Assert.Empty(Run("Remove-XenDomain web2 -RemoveConfig -RemoveStorage -Confirm:$false").Errors);
        Assert.Empty(Run("Get-XenDomainCheckpoint web | Remove-XenDomainCheckpoint -Confirm:$false").Errors);
        Assert.Empty(Run("Remove-XenDomain web -RemoveConfig -RemoveStorage -Confirm:$false").Errors);
        Assert.Empty(Datasets());
        Assert.Empty(Directory.GetFiles(P("etc")));
    }

    [Fact]
    public void AFullCopyIsIndependentAndLeavesNoSnapshot()
    {
        Guest("web", "zroot/web-disk0");
        WriteData("zroot/web-disk0", "system");
        var r = Run("Copy-XenDomU web web3 -Full -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web3-disk0" }, Datasets());
        Assert.Null(Property("zroot/web3-disk0", "origin"));
        Assert.Equal("system", Property("zroot/web3-disk0", "data"));
        Assert.Equal("dev", Property("zroot/web3-disk0", "volmode"));
        // The pipe ran as one script through sh, both exit codes checked.
        Assert.Contains(r.Verbose, v => v.Contains("{ zfs send zroot/web-disk0@copy-web3; echo \"$?\"", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(v, @"\| zfs receive -o 'volmode=dev' -o xenps:copy=[0-9a-f]{32} zroot/web3-disk0 >&2 &"));
        Assert.Contains(ZfsCalls(), c => c.StartsWith("zfs receive -o volmode=dev -o xenps:copy=", StringComparison.Ordinal) && c.EndsWith(" zroot/web3-disk0", StringComparison.Ordinal));
        Assert.True(File.Exists(P("etc/web3.cfg")));
        // Removing the source is not refused: nothing depends on it.
        Assert.Empty(Run("Remove-XenDomain web -RemoveConfig -RemoveStorage -Confirm:$false").Errors);
        Assert.Equal(new[] { "zroot/web3-disk0" }, Datasets());
    }

    [Fact]
    public void ACopyFromACheckpointLeavesTheCheckpointAndMayCopyARunningGuest()
    {
        Guest("web", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web golden").Errors);
        Running("web", "-b----", "zroot/web-disk0");
        AssertError(Run("Copy-XenDomU web -NewName web4"), "XenDomainRunning", "web4", ErrorCategory.InvalidOperation);
        File.Delete(_log);
        var r = Run("Get-XenDomainCheckpoint web golden | Copy-XenDomU -NewName web4");
        Assert.Empty(r.Errors);
        Assert.Single(ZfsChanges());
        Assert.Matches("^zfs clone -o volmode=dev -o xenps:copy=[0-9a-f]{32} zroot/web-disk0@golden zroot/web4-disk0$", ZfsChanges()[0]);
    }

    [Fact]
    public void CopyWhatIfListsEveryStepAndMakesNothing()
    {
        Guest("web", "zroot/web-disk0");
        var r = Run("Copy-XenDomU web web5 -Full -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Matches(@"1\. Snapshot the disks of the stopped web in one transaction: zfs snapshot -o xenps:copy=[0-9a-f]{32} zroot/web-disk0@copy-web5", Host.Text);
        Assert.Matches(@"2\. Copy zroot/web-disk0@copy-web5 to the new, independent volume zroot/web5-disk0: zfs send zroot/web-disk0@copy-web5 \| zfs receive -o volmode=dev -o xenps:copy=[0-9a-f]{32} zroot/web5-disk0", Host.Text);
        Assert.Contains("3. Destroy the snapshots the copy needed no more: zroot/web5-disk0@copy-web5, zroot/web-disk0@copy-web5", Host.Text, StringComparison.Ordinal);
        Assert.Matches(@"4\. Write the configuration file .*/etc/web5\.cfg \(name web5, MAC 00:16:3e:[0-9a-f:]{8}, no UUID\)", Host.Text);
        Assert.Empty(ZfsChanges());
        Assert.Equal(new[] { "zroot/web-disk0" }, Datasets());
        Assert.False(File.Exists(P("etc/web5.cfg")));
    }

    [Fact]
    public void AFailedCopyDestroysEverythingItMadeAndNothingElse()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        // A dataset of the same name as the second clone's, made by someone else while the copy runs, must survive.
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_FAIL", "web-disk1@copy-web2 zroot/web2-disk1");
        var r = Run("Copy-XenDomU web web2");
        AssertError(r, "XenZfsOutOfSpace", "web2", ErrorCategory.ResourceUnavailable);
        var message = r.Errors[0].Exception.Message;
        Assert.Contains("Rolled back: destroyed the volume zroot/web2-disk0, destroyed the snapshot zroot/web-disk1@copy-web2, destroyed the snapshot zroot/web-disk0@copy-web2.", message, StringComparison.Ordinal);
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web-disk1" }, Datasets());
        Assert.False(File.Exists(P("etc/web2.cfg")));
    }

    [Fact]
    public void AnUndoLeavesADatasetThatTheCopyDidNotMake()
    {
        Guest("web", "zroot/web-disk0");
        // The target is made by someone else after the plan looked and before the clone: the clone fails, and the
        // undo, which was registered before the clone ran, must not destroy it (it lacks this copy's token).
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_RACE", "web-disk0@copy-web2 zroot/web2-disk0");
        var r = Run("Copy-XenDomU web web2");
        AssertError(r, "XenZfsDatasetExists", "web2", ErrorCategory.ResourceExists);
        Assert.Contains("Rolled back: destroyed the snapshot zroot/web-disk0@copy-web2.", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web2-disk0" }, Datasets());
        Assert.Equal("someone-else", Property("zroot/web2-disk0", "xenps:copy"));
        Assert.DoesNotContain(ZfsChanges(), c => c.StartsWith("zfs destroy zroot/web2-disk0", StringComparison.Ordinal));
        Assert.False(File.Exists(P("etc/web2.cfg")));
    }

    [Fact]
    public void CtrlCDuringACopyRollsBackWhatItMade()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_SLEEP", "web-disk1@copy-web2 zroot/web2-disk1");
        using var ps = PowerShell.Create();
        ps.Runspace = Engine.Runspace;
        ps.AddCommand("Copy-XenDomU").AddParameter("Name", "web").AddParameter("NewName", "web2");
        var started = DateTime.UtcNow;
        var async = ps.BeginInvoke();
        // Wait until the first clone exists and the second is running.
        while (!(File.Exists(DatasetFile("zroot/web2-disk0")) && ZfsCalls().Any(c => c.Contains("zroot/web2-disk1", StringComparison.Ordinal))) && DateTime.UtcNow - started < TimeSpan.FromSeconds(30))
            Thread.Sleep(20);
        Assert.True(File.Exists(DatasetFile("zroot/web2-disk0")), "the first clone was never made");
        ps.Stop();
        Assert.True(async.IsCompleted);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(25), "Ctrl+C waited for the sleeping zfs");
        Assert.Equal(new[] { "zroot/web-disk0", "zroot/web-disk1" }, Datasets());
        Assert.False(File.Exists(P("etc/web2.cfg")));
    }

    [Fact]
    public void CopyRefusesAFileDiskATakenNameAndAnExistingConfig()
    {
        Guest("mixed", "zroot/mixed-disk0", "/var/lib/xen/images/mixed-data.img");
        AssertError(Run("Copy-XenDomU mixed mixed2"), "XenCopyUnsupportedDisk", "mixed2", ErrorCategory.InvalidOperation);
        Guest("web", "zroot/web-disk0");
        File.WriteAllText(P("etc/taken.cfg"), "name = \"taken\"\n");
        AssertError(Run("Copy-XenDomU web taken"), "XenConfigExists", "taken", ErrorCategory.ResourceExists);
        AssertError(Run("Copy-XenDomU web 'we b'"), "XenInvalidDomainName", "we b", ErrorCategory.InvalidArgument);
        AssertError(Run("Copy-XenDomU web 'web+1'"), "XenInvalidDomainName", "web+1", ErrorCategory.InvalidArgument);
        Assert.Empty(ZfsChanges());
    }

    // ------------------------------------------------------------------ Remove-XenDomainCheckpoint

    [Fact]
    public void RemoveDestroysEachSnapshotOfTheCheckpointAndTakesWildcards()
    {
        Guest("web", "zroot/web-disk0", "zroot/web-disk1");
        foreach (var n in new[] { "daily-1", "daily-2", "keep" }) Assert.Empty(Run($"Checkpoint-XenDomain web {n}").Errors);
        File.Delete(_log);
        Assert.Empty(Run("Remove-XenDomainCheckpoint web daily-* -Confirm:$false").Errors);
        Assert.Equal(new[] { "zfs destroy zroot/web-disk0@daily-1", "zfs destroy zroot/web-disk1@daily-1", "zfs destroy zroot/web-disk0@daily-2", "zfs destroy zroot/web-disk1@daily-2" }, ZfsChanges());
        Assert.Equal(new[] { "keep" }, Run("Get-XenDomainCheckpoint web").Output.Select(o => (string)Prop(o, "CheckpointName")!));
        AssertError(Run("Remove-XenDomainCheckpoint web gone -Confirm:$false"), "XenCheckpointNotFound", "web@gone", ErrorCategory.ObjectNotFound);
    }

    [Fact]
    public void RemoveStorageOfAGuestWithCheckpointsIsRefusedBeforeTheDomainIsDestroyed()
    {
        Guest("web", "zroot/web-disk0");
        Assert.Empty(Run("Checkpoint-XenDomain web one").Errors);
        Running("web", "-b----", "zroot/web-disk0");
        Xl.MapText("destroy 7", "");
        File.Delete(_log);
        var r = Run("Remove-XenDomain web -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertError(r, "XenStorageHasDependents", "web", ErrorCategory.InvalidOperation);
        Assert.Contains("zroot/web-disk0 has the snapshot @one", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Remove-XenDomainCheckpoint", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("destroy", StringComparison.Ordinal));
        Assert.Empty(ZfsChanges());
        Assert.True(File.Exists(P("etc/web.cfg")));
    }
}
