using XenPS.Core.Dom0;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>Test-XenDom0's checks: the files (from failing to compliant), and the live checks with canned tool output.</summary>
public sealed class Dom0AuditTests : IDisposable
{
    private readonly Dom0Tree _tree = new();
    private readonly ScriptedHost _host = new();

    public void Dispose() => _tree.Dispose();

    private Dom0DesiredState State(bool handbook = true)
    {
        var r = handbook ? Dom0EditorTests.Handbook() : new Dom0Request();
        r.Root = _tree.Root;
        return r.Validate();
    }

    private Task<List<XenDom0Check>> AuditAsync(Dom0DesiredState state, bool live = false) =>
        new Dom0Auditor(_host) { LiveChecks = live }.AuditAsync(state, CancellationToken.None);

    [Fact]
    public async Task FailingChecksBecomeCompliantAfterThePreparation()
    {
        var before = await AuditAsync(State());
        Assert.Contains(before, c => c.Check == "loader.conf: xen_kernel" && !c.Compliant && c.Actual == "(not set)" && c.Expected == "/boot/xen"
                                     && c.Remedy == $"sysrc -f {_tree.P("boot/loader.conf")} xen_kernel=\"/boot/xen\" (or run Initialize-XenDom0 with the same parameters)");
        Assert.Contains(before, c => c.Check == "login.conf: default:memorylocked" && !c.Compliant && c.Actual == "memorylocked=64K");
        Assert.Contains(before, c => c.Check == "Log directory /var/log/xen" && !c.Compliant && c.Actual == "missing");
        Assert.Contains(before, c => c.Check == "Package xen-kernel" && c.Compliant && c.Actual == "4.19.1.20250217");
        Assert.Contains(before, c => c.Check == "loader.conf: xen_cmdline sync_console" && c.Compliant);
        Assert.Equal(before.Count, before.Select(c => c.Check).Distinct().Count());

        var plan = await new Dom0Planner(_host).PlanAsync(State(), audit: false, CancellationToken.None);
        await new Dom0Applier(_host).ApplyAsync(plan, CancellationToken.None);
        var after = await AuditAsync(State());
        Assert.All(after, c => Assert.True(c.Compliant, $"{c.Check}: expected {c.Expected}, found {c.Actual}"));
        Assert.All(after, c => Assert.Null(c.Remedy));
        Assert.Equal(before.Select(c => c.Check), after.Select(c => c.Check));
    }

    [Fact]
    public async Task WithoutParametersItChecksThatTheSettingsAreThere()
    {
        var before = await AuditAsync(State(handbook: false));
        Assert.Contains(before, c => c.Check == "loader.conf: xen_cmdline dom0_mem" && !c.Compliant && c.Remedy!.Contains("-Dom0Memory", StringComparison.Ordinal));
        Assert.Contains(before, c => c.Check == "rc.conf: bridge" && !c.Compliant && c.Actual == "(none)");
        await new Dom0Applier(_host).ApplyAsync(await new Dom0Planner(_host).PlanAsync(State(), false, CancellationToken.None), CancellationToken.None);
        var after = await AuditAsync(State(handbook: false));
        Assert.All(after, c => Assert.True(c.Compliant, $"{c.Check}: {c.Actual}"));
        Assert.Contains(after, c => c.Check == "rc.conf: bridge" && c.Actual == "bridge0");
    }

    [Fact]
    public async Task AnUnpreparedRootWithoutPackagesFailsThePackageChecksWithoutAnError()
    {
        File.Delete(_tree.P("var/db/pkg/xenps-fake-packages"));
        File.Delete(_tree.P("boot/xen"));
        var checks = await AuditAsync(State());
        Assert.Contains(checks, c => c.Check == "Package xen-kernel" && !c.Compliant && c.Actual == "not installed" && c.Remedy == $"pkg -r {_tree.Root} install -y xen-kernel xen-tools");
        Assert.Contains(checks, c => c.Check == "Xen kernel" && !c.Compliant && c.Actual == "missing");
    }

    private const string Dom0Cmdline = "dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all";

    private void LiveHost(string xenCommandLine, string bootMethod = "BIOS")
    {
        var info = File.ReadAllText(Path.Combine(TestData.Captures, "xl-info.stdout"));
        var lab = info.Split('\n').Single(l => l.StartsWith("xen_commandline", StringComparison.Ordinal));
        _host.Answer("xl info", info.Replace(lab, "xen_commandline        : " + xenCommandLine, StringComparison.Ordinal))
             .Answer("sysctl -n machdep.bootmethod", bootMethod + "\n")
             .Answer("service xencommons status", "xencommons are running as pids 801 803\n")
             .Answer("ifconfig bridge0", "bridge0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n");
        Directory.CreateDirectory(_tree.P("dev/xen"));
        File.WriteAllText(_tree.P("dev/xen/privcmd"), string.Empty);
    }

    [Fact]
    public async Task LiveChecksUseXlInfoAndSeeAPendingReboot()
    {
        await new Dom0Applier(_host).ApplyAsync(await new Dom0Planner(_host).PlanAsync(State(), false, CancellationToken.None), CancellationToken.None);
        LiveHost("dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot smap=0");
        var checks = await AuditAsync(State(), live: true);
        Assert.Contains(checks, c => c.Check == "Xen running" && c.Compliant && c.Actual == "Xen 4.17.7");
        // The lab's CPU (xl-info capture): hvm and hap, no IOMMU.
        Assert.Contains(checks, c => c.Check == "CPU: HVM" && c.Compliant && c.Actual!.StartsWith("yes (xl info virt_caps: pv hvm hap", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Check == "CPU: HAP (EPT/NPT)" && c.Compliant);
        Assert.Contains(checks, c => c.Check == "CPU: IOMMU" && !c.Compliant && c.Actual!.StartsWith("no", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Check == "Boot method" && c.Compliant && c.Actual == "BIOS");
        Assert.Contains(checks, c => c.Check == "xencommons running" && c.Compliant && c.Actual == "xencommons are running as pids 801 803");
        Assert.Contains(checks, c => c.Check == "/dev/xen/privcmd" && c.Compliant);
        Assert.Contains(checks, c => c.Check == "Bridge bridge0 exists" && c.Compliant);
        var reboot = Assert.Single(checks, c => c.Check == "Reboot pending");
        Assert.False(reboot.Compliant);
        Assert.Equal(Dom0Cmdline, reboot.Expected);
        Assert.Contains("reboot pending", reboot.Remedy, StringComparison.Ordinal);

        LiveHost(Dom0Cmdline);
        Assert.True(Assert.Single(await AuditAsync(State(), live: true), c => c.Check == "Reboot pending").Compliant);
    }

    [Fact]
    public async Task WithoutXenTheCpuComesFromTheBootMessages()
    {
        _host.Answer("xl info", string.Empty, 1, "xencall: error: Could not obtain handle on privileged command interface /dev/xen/privcmd: No such file or directory\n")
             .Answer("sysctl -n machdep.bootmethod", "UEFI\n")
             .Answer("service xencommons status", string.Empty, 1, "xencommons is not running.\n")
             .Answer("acpidump -t", "/*\n  RSD PTR: OEM=INTEL, ACPI_Rev=2.0x (2)\n */\n/*\n  DMAR: Length=168, Revision=1, Checksum=77,\n\tOEMID=INTEL, OEM Table ID=EDK2\n */\n");
        File.WriteAllText(_tree.P("var/run/dmesg.boot"),
            "CPU: Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz (2200.05-MHz K8-class CPU)\n" +
            "  Features=0xbfebfbff<FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,PSE36,CLFLUSH,DTS,ACPI,MMX,FXSR,SSE,SSE2,SS,HTT,TM,PBE>\n" +
            "  Features2=0x7ffefbff<SSE3,PCLMULQDQ,DTES64,MON,DS_CPL,VMX,SMX,EST,TM2,SSSE3,SDBG,FMA,CX16,xTPR,PDCM,PCID,DCA,SSE4.1,SSE4.2,x2APIC,MOVBE,POPCNT,TSCDLT,AESNI,XSAVE,OSXSAVE,AVX,F16C,RDRAND>\n" +
            "  VT-x: PAT,HLT,MTF,PAUSE,EPT,UG,VPID,VID,PostIntr\n");
        var checks = await AuditAsync(State(), live: true);
        Assert.Contains(checks, c => c.Check == "Xen running" && !c.Compliant && c.Actual!.StartsWith("not running: Host 'localhost' is not a running Xen Dom0", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Check == "CPU: HVM" && c.Compliant && c.Actual == "yes (/var/run/dmesg.boot and acpidump)");
        Assert.Contains(checks, c => c.Check == "CPU: HAP (EPT/NPT)" && c.Compliant);
        Assert.Contains(checks, c => c.Check == "CPU: IOMMU" && c.Compliant);
        // FreeBSD 14 boots a Dom0 with UEFI too.
        Assert.Contains(checks, c => c.Check == "Boot method" && c.Compliant && c.Actual == "UEFI");
        Assert.Contains(checks, c => c.Check == "xencommons running" && !c.Compliant && c.Actual == "not running: xencommons is not running.");
        Assert.Contains(checks, c => c.Check == "/dev/xen/privcmd" && !c.Compliant);
        Assert.Contains(checks, c => c.Check == "Reboot pending" && !c.Compliant && c.Actual == "(Xen is not running)");
    }

    [Fact]
    public async Task FreeBsd13NeedsBiosBoot()
    {
        File.WriteAllText(_tree.P("bin/freebsd-version"), File.ReadAllText(_tree.P("bin/freebsd-version")).Replace("14.1-RELEASE-p5", "13.3-RELEASE", StringComparison.Ordinal));
        LiveHost(Dom0Cmdline, "UEFI");
        var boot = Assert.Single(await AuditAsync(State(), live: true), c => c.Check == "Boot method");
        Assert.False(boot.Compliant);
        Assert.StartsWith("BIOS (FreeBSD 13", boot.Expected, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  Features2=0x7ffefbff<SSE3,PCLMULQDQ,VMX,SMX>\n  VT-x: PAT,HLT,MTF,PAUSE,EPT,UG,VPID\n", true, true)]
    [InlineData("  Features2=0x7ffefbff<SSE3,PCLMULQDQ,VMX,SMX>\n  VT-x: PAT,HLT,MTF,PAUSE\n", true, false)]
    [InlineData("  AMD Features2=0x37ff<LAHF,CMP,SVM,ExtAPIC,CR8>\n  SVM: NP,NRIP,VClean,AFlush,DAssist,NAsids=32768\n  Features2=0x7ed8320b<SSE3,PCLMULQDQ>\n", true, true)]
    [InlineData("  Features2=0x7ffefbff<SSE3,PCLMULQDQ,SMX>\n", false, false)]
    public void CpuFeaturesFromTheBootMessages(string dmesg, bool hvm, bool hap) =>
        Assert.Equal((hvm, hap), ((bool, bool))(Dom0Auditor.ParseCpuFeatures(dmesg) is var (a, b) ? (a!.Value, b!.Value) : default));

    [Fact]
    public void UnknownBootMessagesTellNothing()
    {
        Assert.Equal((null, null), Dom0Auditor.ParseCpuFeatures("nothing here\n"));
        Assert.Equal((null, null), Dom0Auditor.ParseCpuFeatures(null));
        Assert.False(Dom0Auditor.ParseAcpiTables("  APIC: Length=188\n"));
        Assert.True(Dom0Auditor.ParseAcpiTables("/*\n  IVRS: Length=208, Revision=2\n"));
    }

    [Fact]
    public void BridgesAreReadFromRcConf() =>
        Assert.Equal(new[] { "bridge0", "bridge1" }, Dom0Auditor.BridgesOf("cloned_interfaces=\"lagg0 bridge0\"\nautobridge_interfaces=\"bridge1 bridge0\"\n"));
}
