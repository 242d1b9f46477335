using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

/// <summary>The device cmdlets through the engine with the fake xl (real lab captures): what runs, by id; what is refused
/// before anything runs; the cleanup of a failed network-attach.</summary>
[Collection("FakeXl")]
public sealed class DeviceTests : EngineTest
{
    private const string Dir = "devices-xenps/";

    private static bool Changes(string call) =>
        call.StartsWith("block-attach", StringComparison.Ordinal) || call.StartsWith("block-detach", StringComparison.Ordinal) ||
        call.StartsWith("network-attach", StringComparison.Ordinal) || call.StartsWith("network-detach", StringComparison.Ordinal) ||
        call.StartsWith("cd-", StringComparison.Ordinal) || call.StartsWith("vcpu-pin", StringComparison.Ordinal) || call.StartsWith("sched-", StringComparison.Ordinal);

    [Fact]
    public void GetDisksReadsBlockListByIdWithStateNames()
    {
        Xl.Map("block-list 1", Dir + "xl-block-list-pvdisk-attached");
        var r = Run("Get-XenDomainDisk guest1");
        Assert.Empty(r.Errors);
        Assert.Contains("block-list 1", Xl.Calls);
        var states = r.Output.Select(o => Text(Prop(o, "State"))).ToList();
        Assert.Equal(new[] { "Connected", "Connected" }, states);
        Assert.Equal(new[] { "xvda", "xvdb" }, r.Output.Select(o => Text(Prop(o, "Vdev"))));
    }

    [Fact]
    public void Domain0IsRefusedForAttachAndDetach()
    {
        var f = Path.GetTempFileName();
        try
        {
            var r = Run($"Add-XenDomainDisk Domain-0 -Path '{f}'; Remove-XenDomainDisk Domain-0 -Vdev xvdb -Confirm:$false; Add-XenNetworkAdapter Domain-0 -Bridge lo");
            Assert.Equal(3, r.Errors.Count);
            Assert.All(r.Errors, e => Assert.StartsWith("XenDomain0Protected", e.FullyQualifiedErrorId, StringComparison.Ordinal));
            Assert.DoesNotContain(Xl.Calls, Changes);
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void ABadVdevIsRefusedBeforeXlRuns()
    {
        var r = Run("Remove-XenDomainDisk guest1 -Vdev 'xvdb target=/etc/shadow' -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.StartsWith("XenInvalidVdev", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(Xl.Calls);
    }

    [Fact]
    public void AMissingFileIsRefusedAndNothingIsAttached()
    {
        Xl.Map("block-list 1", Dir + "xl-block-list-pvdisk-attached");
        var r = Run("Add-XenDomainDisk guest1 -Path /nonexistent/xenps-disk.img");
        var e = Assert.Single(r.Errors);
        Assert.StartsWith("XenPathNotFound", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/xenps-disk.img", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, Changes);
    }

    [Fact]
    public void ATargetEndingInACommaIsRefusedBeforeXlSeesIt()
    {
        // xl drops one trailing ',' from target=: "/tmp/d1.img," (checked to exist) would attach /tmp/d1.img
        var f = Path.Combine(Path.GetTempPath(), "xenps-comma-" + Guid.NewGuid().ToString("N") + ".img,");
        File.WriteAllText(f, "x");
        try
        {
            Xl.Map("block-list 1", Dir + "xl-block-list-pvdisk-attached");
            var r = Run($"Add-XenDomainDisk guest1 -Path '{f}'; Set-XenDvdDrive guest1 -Path '{f}'");
            Assert.Equal(new[] { "XenInvalidPath", "XenInvalidPath" }, r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.DoesNotContain(Xl.Calls, Changes);
            Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("cd-insert", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void CtrlCDuringBlockAttachDetachesWhatXlLeftBehind()
    {
        // xl block-attach killed by Ctrl+C after libxl wrote the new vbd: the host is put back in the old state
        var f = Path.GetTempFileName();
        try
        {
            var attached = File.ReadAllText(Path.Combine(FakeXl.Captures, Dir + "xl-block-list-pvdisk-attached.stdout"));
            Xl.MapText("block-list 1", attached);
            var spec = $"format=raw, vdev=xvdc, access=rw, target={f}";
            Xl.Sleep($"block-attach 1 {spec}", 60).MapText("block-detach 1 51744", "");
            using var ps = PowerShell.Create();
            ps.Runspace = Engine.Runspace;
            ps.AddCommand("Add-XenDomainDisk").AddParameter("Name", "guest1").AddParameter("Path", f);
            var started = DateTime.UtcNow;
            var async = ps.BeginInvoke();
            var pidFile = Path.Combine(Xl.Directory, "sleep.pid");
            while (!File.Exists(pidFile) && DateTime.UtcNow - started < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
            Assert.True(File.Exists(pidFile), "xl block-attach never started");
            Xl.MapText("block-list 1", attached + "51744 0   1      2     -1     -1       /local/domain/0/backend/vbd/1/51744\n");
            ps.Stop();
            Assert.True(async.IsCompleted);
            Assert.Contains("block-detach 1 51744", Xl.Calls);
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void AnAttachedVdevIsRefusedAndAFreeOneIsAttachedById()
    {
        var f = Path.GetTempFileName();
        try
        {
            Xl.Map("block-list 1", Dir + "xl-block-list-pvdisk-attached");
            var r = Run($"Add-XenDomainDisk guest1 -Path '{f}' -Vdev xvdb");
            Assert.StartsWith("XenVdevInUse", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.DoesNotContain(Xl.Calls, Changes);

            var spec = $"format=raw, vdev=xvdc, access=ro, target={f}";
            Xl.MapText($"block-attach 1 {spec}", "")
              .AfterText($"block-attach 1 {spec}", "block-list 1", File.ReadAllText(Path.Combine(FakeXl.Captures, Dir + "xl-block-list-pvdisk-attached.stdout")) + "51744 0   1      4     11     12       /local/domain/0/backend/vbd/1/51744\n");
            r = Run($"Add-XenDomainDisk guest1 -Path '{f}' -ReadOnly -PassThru");
            Assert.Empty(r.Errors);
            Assert.Contains($"block-attach 1 {spec}", Xl.Calls);
            var disk = Assert.Single(r.Output);
            // xl list -l of the fake does not change: the disk is attached but not in xl's configuration, its access unknown
            Assert.Equal(("xvdc", "", "Connected", false), (Text(Prop(disk, "Vdev")), Text(Prop(disk, "Access")), Text(Prop(disk, "State")), (bool)Prop(disk, "InConfig")!));
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void RemovingADiskThatIsNotAttachedChangesNothing()
    {
        Xl.Map("block-list 1", Dir + "xl-block-list-pvdisk-attached");
        var r = Run("Remove-XenDomainDisk guest1 -Vdev xvdz -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.StartsWith("XenDiskNotFound", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("xvda, xvdb", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, Changes);

        Xl.MapText("block-detach 1 51728", "");
        r = Run("Remove-XenDomainDisk guest1 -Vdev xvdb -Confirm:$false");
        Assert.Empty(r.Errors);
        Assert.Contains("block-detach 1 51728", Xl.Calls);
    }

    [Fact]
    public void AFailedNetworkAttachDetachesTheVifXlLeftBehind()
    {
        // the lab: a failed network-attach (no such bridge for vif-bridge) leaves the new index in network-list
        const string mac = "00:16:3e:00:00:03";
        Xl.Map("network-list 1", Dir + "xl-network-list-pvdisk-attached");
        Xl.MapText($"network-attach 1 mac={mac} bridge=lo", "", "libxl: error: libxl_exec.c:117:libxl__report_child_exitstatus: /etc/xen/scripts/vif-bridge online [909] exited with error status 1\nlibxl_device_nic_add failed.\n", 1)
          .AfterText($"network-attach 1 mac={mac} bridge=lo", "network-list 1",
            File.ReadAllText(Path.Combine(FakeXl.Captures, Dir + "xl-network-list-pvdisk-attached.stdout")) + $"2   0  {mac}     2     4     -1  1549/1550        /local/domain/0/backend/vif/1/2\n");
        Xl.MapText("network-detach 1 2", "");
        var r = Run($"Add-XenNetworkAdapter guest1 -Bridge lo -MacAddress {mac}");
        Assert.Single(r.Errors);
        Assert.Contains("network-detach 1 2", Xl.Calls);
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("network-detach 1 0", StringComparison.Ordinal) || c.StartsWith("network-detach 1 1", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("detaching it", StringComparison.Ordinal));
    }

    [Fact]
    public void BadMacAndBridgeAreRefusedBeforeXlRuns()
    {
        var r = Run("Add-XenNetworkAdapter guest1 -MacAddress '00:16:3e:00:00:03,script=/tmp/x'; Add-XenNetworkAdapter guest1 -Bridge 'br0,script=/tmp/x'");
        Assert.Equal(new[] { "XenInvalidMacAddress", "XenInvalidBridge" }, r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Empty(Xl.Calls);
    }

    [Fact]
    public void AMissingBridgeIsRefused()
    {
        Xl.Map("network-list 1", Dir + "xl-network-list-pvdisk-attached");
        var r = Run("Add-XenNetworkAdapter guest1 -Bridge xenpsnobr0");
        Assert.StartsWith("XenBridgeNotFound", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, Changes);
    }

    [Fact]
    public void StatisticsComeFromTheSecondXentopSample()
    {
        File.WriteAllText(Path.Combine(Xl.Directory, "xentop"), "#!/bin/sh\necho \"$*\" >> '" + Xl.Directory + "/xentop.log'\ncat '" + Path.Combine(FakeXl.Captures, Dir + "xentop-b-i2-d1.stdout") + "'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(Xl.Directory, "xentop"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = Run("Get-XenDomainStatistic pv*");
        Assert.Empty(r.Errors);
        var s = Assert.Single(r.Output);
        Assert.Equal(("pvdisk", 2.3, 90L), (Text(Prop(s, "Name")), (double)Prop(s, "CpuPercent")!, (long)Prop(s, "VbdReads")!));
        Assert.Equal("-b -f -i 2 -d 1", File.ReadAllText(Path.Combine(Xl.Directory, "xentop.log")).Trim());
    }

    [Fact]
    public void StatisticsOfLongNamesAreNotCutToTenCharacters()
    {
        // xentop cuts names to 10 characters unless -f: webserver-prod and webserver-test would both be "webserver-"
        const string header = "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID";
        static string Row(string name, int reads) =>
            name.PadLeft(14) + " --b---         30    2.3     131072    6.3     132096       6.3     1    2        1        0    2        0 " + reads.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(8) + "        0        216          0    0";
        var sample = header + "\n" + Row("webserver-prod", 111) + "\n" + Row("webserver-test", 222) + "\n";
        File.WriteAllText(Path.Combine(Xl.Directory, "xentop.full"), sample + sample);
        File.WriteAllText(Path.Combine(Xl.Directory, "xentop.cut"), (sample + sample).Replace("webserver-prod", "    webserver-").Replace("webserver-test", "    webserver-"));
        var script = Path.Combine(Xl.Directory, "xentop");
        File.WriteAllText(script, "#!/bin/sh\ncase \" $* \" in *\" -f \"*) exec cat '" + Xl.Directory + "/xentop.full' ;; esac\nexec cat '" + Xl.Directory + "/xentop.cut'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = Run("Get-XenDomainStatistic webserver-prod");
        Assert.Empty(r.Errors);
        var s = Assert.Single(r.Output);
        Assert.Equal(("webserver-prod", 111L), (Text(Prop(s, "Name")), (long)Prop(s, "VbdReads")!));
    }

    [Fact]
    public void WeightAndCapUseTheHostsScheduler()
    {
        Xl.MapText("sched-credit2 -d 1 -w 512 -c 50", "");
        var r = Run("Set-XenDomain guest1 -Weight 512 -Cap 50");
        Assert.Empty(r.Errors);
        Assert.Contains("info", Xl.Calls);
        Assert.Contains("sched-credit2 -d 1 -w 512 -c 50", Xl.Calls);
    }

    [Fact]
    public void PinningGivesXlTheIdAndRefusesBadCpuLists()
    {
        var r = Run("Set-XenVCpu guest1 -VCpu 0 -Affinity '0;reboot'");
        Assert.StartsWith("XenInvalidCpuList", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(Xl.Calls);
        Xl.MapText("vcpu-pin 1 0 0 -", "");
        r = Run("Set-XenVCpu guest1 -VCpu 0 -Affinity 0");
        Assert.Empty(r.Errors);
        Assert.Contains("vcpu-pin 1 0 0 -", Xl.Calls);
    }

    [Fact]
    public void DvdOnAPvGuestIsRefused()
    {
        var r = Run("Set-XenDvdDrive guest1 -Eject");
        var e = Assert.Single(r.Errors);
        Assert.StartsWith("XenDvdRequiresHvm", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, Changes);
    }
}
