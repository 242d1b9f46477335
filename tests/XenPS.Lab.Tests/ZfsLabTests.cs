using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>
/// Guests on real ZFS volumes (OpenZFS in the lab Dom0, pool "zroot" on its own virtual disk): New-XenDomU -ZfsVolume,
/// checkpoints taken while the guest runs, a restore that takes back a file written inside the guest, a clone that
/// boots beside its origin, and the refusals, which change nothing. The guest (tests/lab/image/guest) mounts a FAT file
/// system of its disk on /data when booted with datadisk=xvda, lists its files on the console (DATADISK-FILES), and
/// runs what is written to its console tty (the pty xenconsoled keeps for it) in its shell.
/// </summary>
public sealed class ZfsLabTests : LabTest
{
    private const string H = LabFixture.Host1;
    private const string Kernel = "-Kernel /var/lib/xen/guest-vmlinux -Ramdisk /var/lib/xen/guest-initrd.gz -Extra 'console=hvc0 rdinit=/sbin/init datadisk=xvda'";

    public ZfsLabTests(LabFixture lab) : base(lab) { }

    private RunResult Ok(string script)
    {
        var r = Run(script);
        Assert.True(r.Errors.Count == 0, script + "\n" + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return r;
    }

    private static ErrorRecord Refused(RunResult r, string id)
    {
        var e = Assert.Single(r.Errors);
        Assert.Equal(id, e.FullyQualifiedErrorId.Split(',')[0]);
        return e;
    }

    private bool Running(string name) => Lab.Ssh(H, $"xl list {name}").ExitCode == 0;

    private string Zfs(string arguments) => Lab.SshOk(H, "zfs " + arguments).Trim();

    /// <summary>Every dataset and snapshot of the lab pool below its root.</summary>
    private string[] Datasets() => Zfs("list -H -o name -t all -r zroot").Split('\n').Where(l => l.Length > 0 && l != "zroot").OrderBy(x => x, StringComparer.Ordinal).ToArray();

    private string ConsoleLog(string name) => Lab.Ssh(H, $"cat /var/log/xen/console/guest-{name}.log").Stdout.Replace("\r", string.Empty, StringComparison.Ordinal);

    /// <summary>The DATADISK-FILES lines the guest printed, one per boot.</summary>
    private string[] FileLists(string name) => ConsoleLog(name).Split('\n').Where(l => l.StartsWith("DATADISK-FILES", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();

    private void WaitForBoot(string name, int boots)
    {
        Assert.True(LabFixture.WaitFor(() => FileLists(name).Length >= boots, 240), $"{name} did not boot (time {boots}) with its data disk:\n{ConsoleLog(name)}");
    }

    /// <summary>Runs a shell command inside the guest: written to its console tty, as a user typing at `xl console`.</summary>
    private void InGuest(string name, string command, string doneMarker)
    {
        Lab.SshOk(H, $"tty=$(xenstore-read /local/domain/$(xl domid {name})/console/tty) && printf '%s\\n' '{command}; echo {doneMarker}' > \"$tty\"");
        Assert.True(LabFixture.WaitFor(() => ConsoleLog(name).Split('\n').Any(l => l.Trim() == doneMarker), 120), $"{name} did not run '{command}':\n{ConsoleLog(name)}");
    }

    /// <summary>Removes what a test of this class may have left (domains, configs, datasets of these names).</summary>
    private void Forget(params string[] names)
    {
        foreach (var n in names)
        {
            Lab.Ssh(H, $"xl destroy {n} >/dev/null 2>&1; rm -f /etc/xen/{n}.cfg /root/{n}.img /var/log/xen/console/guest-{n}.log");
        }
        foreach (var n in names)
        {
            Lab.Ssh(H, $"for d in $(zfs list -H -o name -t volume -r zroot | grep -e '^zroot/{n}-'); do zfs destroy -R \"$d\"; done; true");
        }
    }

    private void AssertNothingLeft(params string[] names)
    {
        foreach (var n in names)
        {
            Assert.False(Running(n), $"{n} still runs");
            Assert.Equal("", Lab.Ssh(H, $"ls /etc/xen/{n}.cfg 2>/dev/null").Stdout.Trim());
        }
        Assert.Empty(Datasets());
    }

    [Fact]
    public void AGuestOnAZvolIsCheckpointedWhileRunningRestoredAndClonedBesideItsOrigin()
    {
        Lab.CleanGuests(H);
        Forget("zorig", "zclone");
        Assert.Empty(Datasets());

        // The Handbook's storage, for real: a zvol with volmode=dev, the guest booted with it as its disk.
        Ok($"New-XenDomU -ComputerName {H} zorig -Type Pv -MemoryMB 128 {Kernel} -ZfsVolume zroot/zorig-disk0 -DiskSizeGB 1 -Confirm:$false");
        Assert.Equal("dev", Zfs("get -H -o value volmode zroot/zorig-disk0"));
        Assert.Equal("1073741824", Zfs("get -H -p -o value volsize zroot/zorig-disk0"));
        Assert.Equal(0, Lab.Ssh(H, "test -b /dev/zvol/zroot/zorig-disk0").ExitCode);
        WaitForBoot("zorig", 1);
        Assert.Contains("DATADISK-FORMATTED /dev/xvda", ConsoleLog("zorig"), StringComparison.Ordinal);
        InGuest("zorig", "echo one > /data/before.txt; sync", "WROTE-BEFORE");

        // A checkpoint of the running guest, paused around the snapshot.
        var checkpoint = Assert.Single(Ok($"Checkpoint-XenDomain -ComputerName {H} zorig ck1 -Pause").Output);
        Assert.Equal(("zorig", "ck1", H), ((string)Prop(checkpoint, "Name")!, (string)Prop(checkpoint, "CheckpointName")!, (string)Prop(checkpoint, "ComputerName")!));
        Assert.Equal(new[] { "zroot/zorig-disk0@ck1" }, (IEnumerable<string>)Prop(checkpoint, "Snapshots")!);
        Assert.Equal("zroot/zorig-disk0@ck1", Zfs("list -H -o name -t snapshot -r zroot"));
        Assert.DoesNotContain('p', Lab.SshOk(H, "xl list zorig | awk 'NR==2 {print $5}'").Trim());

        // Written inside the guest after the checkpoint.
        InGuest("zorig", "echo two > /data/after.txt; sync", "WROTE-AFTER");

        // A running guest is not rolled back: a clear error, nothing changed.
        var refused = Refused(Run($"Restore-XenDomainCheckpoint -ComputerName {H} zorig ck1 -Confirm:$false"), "XenDomainRunning");
        Assert.Equal("zorig", refused.TargetObject);
        Assert.True(Running("zorig"));
        Assert.Equal("zroot/zorig-disk0@ck1", Zfs("list -H -o name -t snapshot -r zroot"));

        // Stopped, restored, started: the file written after the checkpoint is gone, the one before it is there.
        Ok($"Stop-XenDomain -ComputerName {H} zorig -Timeout 120");
        Assert.True(LabFixture.WaitFor(() => !Running("zorig"), 60));
        Ok($"Get-XenDomainCheckpoint -ComputerName {H} zorig ck1 | Restore-XenDomainCheckpoint -Confirm:$false");
        Ok($"Start-XenDomain -ComputerName {H} zorig");
        WaitForBoot("zorig", 2);
        Assert.Equal("DATADISK-FILES before.txt", FileLists("zorig")[1]);

        // A clone of the checkpoint boots beside its origin, with its own disk and MAC address.
        var copy = Assert.Single(Ok($"Copy-XenDomU -ComputerName {H} zorig -NewName zclone -Checkpoint ck1").Output);
        Assert.Equal("/etc/xen/zclone.cfg", (string)Prop(copy, "Path")!);
        Assert.Equal("zroot/zorig-disk0@ck1", Zfs("get -H -o value origin zroot/zclone-disk0"));
        Assert.Equal("dev", Zfs("get -H -o value volmode zroot/zclone-disk0"));
        var cfg = Lab.SshOk(H, "cat /etc/xen/zclone.cfg");
        Assert.DoesNotContain("uuid", cfg, StringComparison.Ordinal);
        Assert.Contains("target=/dev/zvol/zroot/zclone-disk0", cfg, StringComparison.Ordinal);
        Ok($"Get-XenDomUConfig -ComputerName {H} zclone | Start-XenDomain");
        WaitForBoot("zclone", 1);
        Assert.Equal("DATADISK-FILES before.txt", FileLists("zclone")[0]);
        Assert.True(Running("zorig") && Running("zclone"));
        var macs = Ok($"Get-XenDomain -ComputerName {H} zorig, zclone -Detailed").Output
            .Select(o => { dynamic d = o; return (string)d.Nics[0].Mac; }).ToList();
        Assert.Equal(2, macs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(macs, m => Assert.StartsWith("00:16:3e:", m, StringComparison.Ordinal));

        // What the clone depends on cannot be removed: clear errors, nothing changed (zorig keeps running).
        var before = Datasets();
        var e = Refused(Run($"Remove-XenDomainCheckpoint -ComputerName {H} zorig ck1 -Confirm:$false"), "XenCheckpointHasClones");
        Assert.Contains("zroot/zorig-disk0@ck1 is the origin of zroot/zclone-disk0", e.Exception.Message, StringComparison.Ordinal);
        e = Refused(Run($"Remove-XenDomain -ComputerName {H} zorig -RemoveConfig -RemoveStorage -Confirm:$false"), "XenStorageHasDependents");
        Assert.Contains("zroot/zclone-disk0", e.Exception.Message, StringComparison.Ordinal);
        Assert.True(Running("zorig"));
        Assert.Equal(before, Datasets());
        Assert.Equal(0, Lab.Ssh(H, "test -f /etc/xen/zorig.cfg").ExitCode);

        // Everything goes, in order: the clone, the checkpoint, the origin.
        Ok($"Remove-XenDomain -ComputerName {H} zclone -RemoveConfig -RemoveStorage -Confirm:$false");
        Ok($"Get-XenDomainCheckpoint -ComputerName {H} zorig | Remove-XenDomainCheckpoint -Confirm:$false");
        Ok($"Remove-XenDomain -ComputerName {H} zorig -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertNothingLeft("zorig", "zclone");
        Forget("zorig", "zclone");
    }

    [Fact]
    public void AFullCopyIsIndependentAndAFileDiskIsRefused()
    {
        Lab.CleanGuests(H);
        Forget("zfull", "zfull2", "zfile");
        Ok($"New-XenDomU -ComputerName {H} zfull -Type Pv -MemoryMB 64 {Kernel} -ZfsVolume zroot/zfull-disk0 -DiskSizeGB 1 -NoNetwork -NoStart");
        Lab.SshOk(H, "printf 'XENPS-MARK' | dd of=/dev/zvol/zroot/zfull-disk0 bs=512 seek=100 conv=notrunc 2>/dev/null; sync");

        var copy = Ok($"Copy-XenDomU -ComputerName {H} zfull zfull2 -Full -Verbose");
        Assert.Contains(copy.Verbose, v => v.Contains("| zfs receive", StringComparison.Ordinal));
        Assert.Equal("-", Zfs("get -H -o value origin zroot/zfull2-disk0"));
        Assert.Equal("XENPS-MARK", Lab.SshOk(H, "dd if=/dev/zvol/zroot/zfull2-disk0 bs=512 skip=100 count=1 2>/dev/null | head -c 10"));
        // The snapshots the copy went through are gone: nothing ties the copy to its source.
        Assert.Equal("", Zfs("list -H -o name -t snapshot -r zroot"));
        Assert.Equal(new[] { "zroot/zfull-disk0", "zroot/zfull2-disk0" }, Datasets());

        // A guest on a disk image file: checkpoints are refused, nothing is taken.
        Ok($"New-XenDomU -ComputerName {H} zfile -Type Pv -MemoryMB 64 {Kernel} -DiskPath /root/zfile.img -DiskSizeGB 1 -NoNetwork -NoStart");
        var e = Refused(Run($"Checkpoint-XenDomain -ComputerName {H} zfile c1"), "XenCheckpointUnsupportedDisk");
        Assert.Contains("/root/zfile.img", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Equal("", Zfs("list -H -o name -t snapshot -r zroot"));

        Ok($"Remove-XenDomain -ComputerName {H} zfull, zfull2, zfile -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertNothingLeft("zfull", "zfull2", "zfile");
        Assert.Equal("", Lab.Ssh(H, "ls /root/zfile.img 2>/dev/null").Stdout.Trim());
    }

    [Fact]
    public void AFailedCreationOnAZvolLeavesNoDataset()
    {
        Lab.CleanGuests(H);
        Forget("zbad");
        // Not a kernel: xl create fails after the volume was made; the volume goes with the rest.
        var r = Run($"New-XenDomU -ComputerName {H} zbad -Type Pv -MemoryMB 64 -Kernel /etc/hostname -ZfsVolume zroot/zbad-disk0 -DiskSizeGB 1 -NoNetwork");
        var e = Assert.Single(r.Errors);
        Assert.Contains("destroyed the ZFS volume zroot/zbad-disk0", e.Exception.Message, StringComparison.Ordinal);
        AssertNothingLeft("zbad");
        Forget("zbad");
    }
}
