using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>The device cmdlets against a real Xen: disk and NIC hot-plug into a running PV guest, seen by xl and by the
/// guest itself (its console's DEVSTATE lines: /proc/partitions and /sys/class/net, printed by the lab's guest
/// initramfs on every change), -Persist in the config file, refusals that change nothing, the CD of a running HVM
/// guest, xentop statistics while a guest burns CPU, vcpu-pin and the scheduler weight.</summary>
public sealed class DeviceLabTests : LabTest
{
    private const string H = LabFixture.Host1;

    public DeviceLabTests(LabFixture lab) : base(lab) { }

    private RunResult Ok(string script)
    {
        var r = Run(script);
        Assert.True(r.Errors.Count == 0, script + "\n" + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return r;
    }

    private string LastDevState(string name) =>
        Lab.Ssh(H, $"grep -a DEVSTATE /var/log/xen/console/guest-{name}.log | tail -1").Stdout.Trim();

    private void Forget(string name) =>
        Lab.Ssh(H, $"xl destroy {name} >/dev/null 2>&1; rm -f /etc/xen/{name}.cfg /etc/xen/{name}.cfg.* /root/{name}*.img /var/log/xen/console/guest-{name}.log");

    [Fact]
    public void DiskAndNicHotPlugIntoARunningPvGuest()
    {
        const string g = "ldev";
        Forget(g);
        try
        {
            Lab.SshOk(H, $"truncate -s 64M /root/{g}.img && truncate -s 32M /root/{g}-data.img");
            Lab.WriteFile(H, $"/etc/xen/{g}.cfg",
                $"type = \"pv\"\nname = \"{g}\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nramdisk = \"/var/lib/xen/guest-initrd.gz\"\n" +
                "extra = \"console=hvc0 rdinit=/sbin/init\"\nmemory = 128\nvcpus = 1\non_reboot = \"destroy\"\n" +
                $"disk = [ 'format=raw, vdev=xvda, access=rw, target=/root/{g}.img' ]\nvif = [ 'mac=00:16:3e:77:00:21,bridge=bridge0' ]\n");
            Lab.XlCreate(H, $"/etc/xen/{g}.cfg", g);
            Assert.True(LabFixture.WaitFor(() => LastDevState(g).Contains("xvda", StringComparison.Ordinal), 180), "the guest did not see xvda: " + LastDevState(g));

            // refusals first: each is a clear error, and xl block-list / network-list stay as they were
            var blocks = Lab.SshOk(H, $"xl block-list {g}");
            var nets = Lab.SshOk(H, $"xl network-list {g}");
            var r = Run($"Add-XenDomainDisk -ComputerName {H} Domain-0 -Path /root/{g}-data.img");
            Assert.StartsWith("XenDomain0Protected", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            r = Run($"Add-XenDomainDisk -ComputerName {H} {g} -Path /root/{g}-missing.img");
            Assert.StartsWith("XenPathNotFound", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            r = Run($"Remove-XenDomainDisk -ComputerName {H} {g} -Vdev xvdq -Confirm:$false");
            Assert.StartsWith("XenDiskNotFound", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            r = Run($"Add-XenDomainDisk -ComputerName {H} {g} -Path /root/{g}-data.img -Vdev 'vdb'");
            Assert.StartsWith("XenInvalidVdev", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(blocks, Lab.SshOk(H, $"xl block-list {g}"));
            Assert.Equal(nets, Lab.SshOk(H, $"xl network-list {g}"));

            // the disk: attached (and written into the config), seen by xl and by the guest
            var disk = Assert.Single(Ok($"Add-XenDomainDisk -ComputerName {H} {g} -Path /root/{g}-data.img -Persist -PassThru").Output);
            Assert.Equal("xvdb", Text(Prop(disk, "Vdev")));
            Assert.Contains("51728", Lab.SshOk(H, $"xl block-list {g}"), StringComparison.Ordinal);
            Assert.True(LabFixture.WaitFor(() => LastDevState(g).Contains("xvdb", StringComparison.Ordinal), 60), "the guest did not see xvdb: " + LastDevState(g));
            Assert.Contains($"target=/root/{g}-data.img", Lab.SshOk(H, $"cat /etc/xen/{g}.cfg"), StringComparison.Ordinal);
            Assert.NotEqual("", Lab.SshOk(H, $"ls /etc/xen/{g}.cfg.* 2>/dev/null").Trim());
            var disks = Ok($"Get-XenDomainDisk -ComputerName {H} {g}").Output;
            Assert.True(LabFixture.WaitFor(() => Ok($"Get-XenDomainDisk -ComputerName {H} {g}").Output.All(o => Text(Prop(o, "State")) == "Connected"), 60));

            // the NIC: attached on bridge0, seen in xl, in the Dom0 (vifN.1 on bridge0) and in the guest (eth1)
            var nic = Assert.Single(Ok($"Add-XenNetworkAdapter -ComputerName {H} {g} -Bridge bridge0 -MacAddress 00:16:3e:77:00:22 -PassThru").Output);
            Assert.Equal(1, (int)Prop(nic, "DevId")!);
            Assert.Contains("00:16:3e:77:00:22", Lab.SshOk(H, $"xl network-list {g}"), StringComparison.Ordinal);
            Assert.True(LabFixture.WaitFor(() => LastDevState(g).Contains("eth1", StringComparison.Ordinal), 60), "the guest did not see eth1: " + LastDevState(g));

            // a failed attach (no such bridge in the Dom0 for the default xenbr0) leaves no vif behind
            r = Run($"Add-XenNetworkAdapter -ComputerName {H} {g} -MacAddress 00:16:3e:77:00:23");
            Assert.Single(r.Errors);
            Assert.True(LabFixture.WaitFor(() => !Lab.SshOk(H, $"xl network-list {g}").Contains("00:16:3e:77:00:23", StringComparison.Ordinal), 30), "the failed vif was left: " + Lab.SshOk(H, $"xl network-list {g}"));

            // detach both; the disk also from the config
            Ok($"Remove-XenNetworkAdapter -ComputerName {H} {g} -MacAddress 00:16:3e:77:00:22 -Confirm:$false");
            Ok($"Remove-XenDomainDisk -ComputerName {H} {g} -Vdev xvdb -Persist -Confirm:$false");
            Assert.DoesNotContain("51728", Lab.SshOk(H, $"xl block-list {g}"), StringComparison.Ordinal);
            Assert.DoesNotContain("00:16:3e:77:00:22", Lab.SshOk(H, $"xl network-list {g}"), StringComparison.Ordinal);
            Assert.DoesNotContain($"{g}-data.img", Lab.SshOk(H, $"cat /etc/xen/{g}.cfg"), StringComparison.Ordinal);
            Assert.True(LabFixture.WaitFor(() => { var s = LastDevState(g); return !s.Contains("xvdb", StringComparison.Ordinal) && !s.Contains("eth1", StringComparison.Ordinal); }, 60),
                "the guest still sees the devices: " + LastDevState(g));

            // pinning and the scheduler weight
            Ok($"Set-XenVCpu -ComputerName {H} {g} -VCpu 0 -Affinity 1");
            Assert.Matches(@"\s1 / all\s*$", Lab.SshOk(H, $"xl vcpu-list {g} | tail -1"));
            Ok($"Set-XenDomain -ComputerName {H} {g} -Weight 512 -Cap 50");
            dynamic d = Assert.Single(Ok($"Get-XenDomain -ComputerName {H} {g} -Detailed").Output);
            Assert.Equal((512, 50), ((int)d.Weight, (int)d.Cap));

            // statistics rise while the guest burns CPU (a busy loop typed into its console)
            Lab.SshOk(H, $"printf 'while :; do :; done &\\r' > $(xenstore-read /local/domain/$(xl domid {g})/console/tty)");
            var before = (long)Prop(Assert.Single(Ok($"Get-XenDomainStatistic -ComputerName {H} {g}").Output), "CpuSeconds")!;
            Assert.True(LabFixture.WaitFor(() =>
            {
                var s = Assert.Single(Ok($"Get-XenDomainStatistic -ComputerName {H} {g} -IntervalSec 2").Output);
                return (double)Prop(s, "CpuPercent")! > 20 && (long)Prop(s, "CpuSeconds")! > before;
            }, 90), "the guest's CPU use did not rise in xentop");
        }
        finally
        {
            Forget(g);
        }
    }

    [Fact]
    public void EjectAndInsertTheIsoOfARunningHvmGuest()
    {
        const string g = "ldvd";
        Forget(g);
        try
        {
            Lab.SshOk(H, $"truncate -s 64M /root/{g}.img");
            Lab.WriteFile(H, $"/etc/xen/{g}.cfg",
                $"type = \"hvm\"\nname = \"{g}\"\nmemory = 128\nvcpus = 1\nvnc = 0\nsdl = 0\nserial = \"pty\"\nboot = \"c\"\ncpuid = \"host,rdtscp=0\"\n" +
                $"disk = [ 'format=raw, vdev=hda, access=rw, target=/root/{g}.img', 'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/var/lib/xen/test.iso' ]\n");
            Lab.XlCreate(H, $"/etc/xen/{g}.cfg", g);

            var r = Run($"Set-XenDvdDrive -ComputerName {H} {g} -Path /var/lib/xen/missing.iso");
            Assert.StartsWith("XenPathNotFound", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);

            Ok($"Set-XenDvdDrive -ComputerName {H} {g} -Eject -Persist");
            Assert.True(LabFixture.WaitFor(() => !Lab.SshOk(H, $"xl list -l {g}").Contains("test.iso", StringComparison.Ordinal), 30), "xl still shows the ISO after cd-eject");
            var cfg = Lab.SshOk(H, $"cat /etc/xen/{g}.cfg");
            Assert.DoesNotContain("test.iso", cfg, StringComparison.Ordinal);
            Assert.Contains("format=empty", cfg, StringComparison.Ordinal);

            Ok($"Set-XenDvdDrive -ComputerName {H} {g} -Path /var/lib/xen/test.iso -Vdev hdc");
            Assert.True(LabFixture.WaitFor(() => Lab.SshOk(H, $"xl list -l {g}").Contains("test.iso", StringComparison.Ordinal), 30), "xl does not show the ISO after cd-insert");
            var cd = Ok($"Get-XenDomainDisk -ComputerName {H} {g}").Output.Single(o => Text(Prop(o, "Vdev")) == "hdc");
            Assert.Equal("/var/lib/xen/test.iso", Text(Prop(cd, "Target")));
        }
        finally
        {
            Forget(g);
        }
    }
}
