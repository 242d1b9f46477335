using System.Text;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;
using XenPS.Core.Tests.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.Dom0;

/// <summary>The desired state on the real FreeBSD 14 files, compared byte for byte with the expected files written by
/// hand from the Handbook (Data/freebsd-14-etc/expected-dom0*, see EXPECTED-DOM0.md).</summary>
public class Dom0EditorTests
{
    internal static Dom0Facts Facts(string xen = "4.19", int freebsd = 14) => new()
    {
        XenVersion = Version.Parse(xen),
        XenVersionSource = "test",
        FreeBsdMajor = freebsd,
        FreeBsdVersion = freebsd.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".1-RELEASE",
        XenKernelPresent = true,
    };

    internal static Dom0Request Handbook() => new()
    {
        Dom0Memory = "8192M",
        Dom0VCpus = 4,
        Console = "com1,vga",
        BridgeInterface = "bge2",
        LoadTap = true,
        BootMenu = true,
    };

    internal static Dictionary<string, string?> Reference() => new(StringComparer.Ordinal)
    {
        [Dom0Editor.LoaderConf] = FreeBsdData.Read("loader.conf"),
        [Dom0Editor.MenuRcLocal] = null,
        [Dom0Editor.SysctlConf] = FreeBsdData.Read("sysctl.conf"),
        [Dom0Editor.LoginConfPath] = FreeBsdData.Read("login.conf"),
        [Dom0Editor.TtysPath] = FreeBsdData.Read("ttys"),
        [Dom0Editor.RcConf] = FreeBsdData.Read("rc.conf"),
    };

    internal static string Expected(string set, string path) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(FreeBsdData.Folder, set) + path));

    private static Dictionary<string, string?> ExpectedFiles(string set = "expected-dom0")
    {
        var files = Reference();
        foreach (var path in files.Keys.ToList()) files[path] = Expected(set, path);
        return files;
    }

    [Fact]
    public void TheHandbookPreparationGivesExactlyTheExpectedFiles()
    {
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), Reference());
        foreach (var path in new[] { Dom0Editor.LoaderConf, Dom0Editor.MenuRcLocal, Dom0Editor.SysctlConf, Dom0Editor.LoginConfPath, Dom0Editor.TtysPath, Dom0Editor.RcConf })
            Assert.Equal(Expected("expected-dom0", path), r.Texts[path]);
    }

    [Fact]
    public void OneRecordPerSettingWithBeforeAndAfter()
    {
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), Reference());
        var records = r.Settings.Select(s => (s.File, s.Setting, s.Before, s.After, s.Changed)).ToList();
        Assert.Equal(new (string, string, string?, string?, bool)[]
        {
            ("/boot/loader.conf", "if_tap_load", null, "YES", true),
            ("/boot/loader.conf", "xen_kernel", null, "/boot/xen", true),
            ("/boot/loader.conf", "xen_cmdline dom0_mem", null, "dom0_mem=8192M", true),
            ("/boot/loader.conf", "xen_cmdline dom0_max_vcpus", null, "dom0_max_vcpus=4", true),
            ("/boot/loader.conf", "xen_cmdline dom0", null, "dom0=pvh", true),
            ("/boot/loader.conf", "xen_cmdline console", null, "console=com1,vga", true),
            ("/boot/loader.conf", "xen_cmdline com1", null, "com1=115200,8n1", true),
            ("/boot/loader.conf", "xen_cmdline guest_loglvl", null, "guest_loglvl=all", true),
            ("/boot/loader.conf", "xen_cmdline loglvl", null, "loglvl=all", true),
            ("/boot/loader.conf", "xen_cmdline sync_console", null, null, false),
            ("/boot/menu.rc.local", "try-include /boot/xen.4th", null, "try-include /boot/xen.4th", true),
            ("/etc/sysctl.conf", "vm.max_user_wired", null, "-1", true),
            ("/etc/login.conf", "default:memorylocked", "memorylocked=64K", "memorylocked=unlimited", true),
            ("/etc/ttys", "xc0", null, Ttys.XenConsoleEntry, true),
            ("/etc/rc.conf", "xencommons_enable", null, "YES", true),
            ("/etc/rc.conf", "cloned_interfaces", null, "bridge0", true),
            ("/etc/rc.conf", "ifconfig_bridge0", null, "addm bge2 SYNCDHCP", true),
            ("/etc/rc.conf", "ifconfig_bge2", "DHCP", "up", true),
        }, records);
        Assert.All(r.Settings.Where(s => s.Changed), s => Assert.NotNull(s.Remedy));
        Assert.Contains(r.Settings, s => s.Remedy == "sysrc -f /etc/sysctl.conf vm.max_user_wired=-1");
        Assert.Contains(r.Settings, s => s.Remedy == "sysrc xencommons_enable=\"YES\"");
    }

    [Fact]
    public void ASecondRunChangesNothing()
    {
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), ExpectedFiles());
        Assert.All(r.Settings, s => Assert.False(s.Changed, $"{s.File} {s.Setting}: '{s.Before}' -> '{s.After}'"));
        foreach (var (path, text) in ExpectedFiles()) Assert.Equal(text, r.Texts[path]);
        Assert.Equal(18, r.Settings.Count);
    }

    [Fact]
    public void Xen47AndFreeBsd12GetTheOldCommandLineAndSysctlName()
    {
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts("4.7", 12), Reference());
        Assert.Equal(Expected("expected-dom0-xen47", Dom0Editor.LoaderConf), r.Texts[Dom0Editor.LoaderConf]);
        Assert.Equal(Expected("expected-dom0-xen47", Dom0Editor.SysctlConf), r.Texts[Dom0Editor.SysctlConf]);
        Assert.Equal(Expected("expected-dom0", Dom0Editor.RcConf), r.Texts[Dom0Editor.RcConf]);
    }

    [Fact]
    public void TheAutobridgeEditionAlsoCreatesTheBridge()
    {
        var request = Handbook();
        request.BridgeStyle = XenBridgeStyle.Autobridge;
        var r = Dom0Editor.Edit(request.Validate(), Facts(), Reference());
        Assert.Equal(Expected("expected-dom0-autobridge", Dom0Editor.RcConf), r.Texts[Dom0Editor.RcConf]);
        var again = Reference();
        again[Dom0Editor.RcConf] = r.Texts[Dom0Editor.RcConf];
        Assert.DoesNotContain(Dom0Editor.Edit(request.Validate(), Facts(), again).Settings, s => s.File == Dom0Editor.RcConf && s.Changed);
    }

    [Fact]
    public void BootDiagnosticsAddTheTroubleshootingOptionsAndFalseRemovesThem()
    {
        var request = Handbook();
        request.BootDiagnostics = true;
        var r = Dom0Editor.Edit(request.Validate(), Facts(), Reference());
        Assert.Equal(Expected("expected-dom0-diagnostics", Dom0Editor.LoaderConf), r.Texts[Dom0Editor.LoaderConf]);

        var files = Reference();
        files[Dom0Editor.LoaderConf] = r.Texts[Dom0Editor.LoaderConf];
        request.BootDiagnostics = false;
        var off = Dom0Editor.Edit(request.Validate(), Facts(), files);
        Assert.Equal(Expected("expected-dom0", Dom0Editor.LoaderConf), off.Texts[Dom0Editor.LoaderConf]);
        Assert.Contains(off.Settings, s => s.Setting == "boot_verbose" && s.Before == "YES" && s.After is null && s.Changed);
        Assert.Contains(off.Settings, s => s.Setting == "xen_cmdline iommu" && s.Before == "iommu=debug" && s.After is null);
    }

    [Fact]
    public void WithoutBootDiagnosticsSyncConsoleIsRemovedButTheOtherDiagnosticsStay()
    {
        var files = Reference();
        files[Dom0Editor.LoaderConf] = Expected("expected-dom0-diagnostics", Dom0Editor.LoaderConf);
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal("dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh,verbose console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all iommu=debug",
            ShellConfigEditor.LoaderConf.GetValue(r.Texts[Dom0Editor.LoaderConf], "xen_cmdline"));
        Assert.Equal("YES", ShellConfigEditor.LoaderConf.GetValue(r.Texts[Dom0Editor.LoaderConf], "boot_verbose"));
        Assert.Contains(r.Settings, s => s.Setting == "xen_cmdline sync_console" && s.Before == "sync_console" && s.After is null && s.Changed);
    }

    [Fact]
    public void CommandLineOptionsItDoesNotManageAreKeptInPlace()
    {
        var files = Reference();
        files[Dom0Editor.LoaderConf] += "xen_kernel=\"/boot/xen\"\nxen_cmdline=\"dom0_mem=4096M noreboot  smap=0 dom0pvh=1 iommu=no-intremap dom0=pv,shadow\"\n";
        var request = Handbook();
        request.BootDiagnostics = true;
        var r = Dom0Editor.Edit(request.Validate(), Facts(), files);
        Assert.Equal("dom0_mem=8192M noreboot  smap=0 iommu=no-intremap,debug dom0=shadow,pvh,verbose dom0_max_vcpus=4 console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all sync_console",
            ShellConfigEditor.LoaderConf.GetValue(r.Texts[Dom0Editor.LoaderConf], "xen_cmdline"));
        Assert.Contains(r.Settings, s => s.Setting == "xen_cmdline dom0pvh" && s.Before == "dom0pvh=1" && s.After is null && s.Changed);
        Assert.Contains(r.Settings, s => s.Setting == "xen_cmdline dom0_mem" && s.Before == "dom0_mem=4096M" && s.After == "dom0_mem=8192M");
        // xen_kernel stayed where it was: one line each.
        Assert.Single(ShellConfigEditor.LoaderConf.GetAssignments(r.Texts[Dom0Editor.LoaderConf], "xen_kernel"));
    }

    [Fact]
    public void AnEqualMemorySizeInAnotherUnitIsLeftAlone()
    {
        var files = ExpectedFiles();
        files[Dom0Editor.LoaderConf] = files[Dom0Editor.LoaderConf]!.Replace("dom0_mem=8192M", "dom0_mem=8G", StringComparison.Ordinal);
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal(files[Dom0Editor.LoaderConf], r.Texts[Dom0Editor.LoaderConf]);
        Assert.Contains(r.Settings, s => s.Setting == "xen_cmdline dom0_mem" && s.After == "dom0_mem=8G" && !s.Changed);
    }

    [Fact]
    public void TheStaleSysctlNameIsReplaced()
    {
        var files = Reference();
        files[Dom0Editor.SysctlConf] += "vm.max_wired=-1\n";
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal(Expected("expected-dom0", Dom0Editor.SysctlConf), r.Texts[Dom0Editor.SysctlConf]);
        Assert.Contains(r.Settings, s => s.Setting == "vm.max_wired" && s.Before == "-1" && s.After is null && s.Changed);
    }

    [Fact]
    public void LowerCaseYesCountsAsYes()
    {
        var files = ExpectedFiles();
        files[Dom0Editor.RcConf] = files[Dom0Editor.RcConf]!.Replace("xencommons_enable=\"YES\"", "xencommons_enable=yes", StringComparison.Ordinal);
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal(files[Dom0Editor.RcConf], r.Texts[Dom0Editor.RcConf]);
    }

    [Fact]
    public void NoManagedMemoryOrConsoleMeansAWarningNotAnEdit()
    {
        var r = Dom0Editor.Edit(new Dom0Request().Validate(), Facts(), Reference());
        Assert.Equal("dom0=pvh guest_loglvl=all loglvl=all", ShellConfigEditor.LoaderConf.GetValue(r.Texts[Dom0Editor.LoaderConf], "xen_cmdline"));
        Assert.Contains(r.Warnings, w => w.Contains("dom0_mem", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("console", StringComparison.Ordinal));
        Assert.DoesNotContain(Dom0Editor.MenuRcLocal, r.Texts.Keys);
        Assert.Equal(FreeBsdData.Read("rc.conf") + "xencommons_enable=\"YES\"\n", r.Texts[Dom0Editor.RcConf]);
    }

    [Theory]
    [InlineData("ifconfig_bge2=\"inet 192.0.2.10/24\"", "static address")]
    [InlineData("ifconfig_bge2=\"DHCP mtu 9000\"", "more than DHCP")]
    [InlineData("ifconfig_bridge0=\"inet 192.0.2.10/24\"", "static address")]
    public void ANetworkChangeThatCouldCutTheHostOffIsRefused(string line, string because)
    {
        var files = Reference();
        files[Dom0Editor.RcConf] = files[Dom0Editor.RcConf]!.Replace("ifconfig_bge2=\"DHCP\"", line, StringComparison.Ordinal);
        var ex = Assert.Throws<XenException>(() => Dom0Editor.Edit(Handbook().Validate(), Facts(), files));
        Assert.Equal("XenDom0UnsafeChange", ex.ErrorId);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Contains(because, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABridgeWithAStaticAddressAndTheMemberIsLeftAlone()
    {
        var files = Reference();
        files[Dom0Editor.RcConf] = files[Dom0Editor.RcConf]!.Replace("ifconfig_bge2=\"DHCP\"", "ifconfig_bge2=\"up\"\ncloned_interfaces=\"bridge0\"\nifconfig_bridge0=\"inet 192.0.2.10/24 addm bge2\"", StringComparison.Ordinal);
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal("inet 192.0.2.10/24 addm bge2", ShellConfigEditor.RcConf.GetValue(r.Texts[Dom0Editor.RcConf], "ifconfig_bridge0"));
        Assert.Contains(r.Settings, s => s.Setting == "ifconfig_bridge0" && !s.Changed);
    }

    [Fact]
    public void OtherClonedInterfacesAreKept()
    {
        var files = Reference();
        files[Dom0Editor.RcConf] += "cloned_interfaces=\"lagg0 vlan10\"\n";
        var r = Dom0Editor.Edit(Handbook().Validate(), Facts(), files);
        Assert.Equal("lagg0 vlan10 bridge0", ShellConfigEditor.RcConf.GetValue(r.Texts[Dom0Editor.RcConf], "cloned_interfaces"));
    }

    [Fact]
    public void AFileThatCannotBeEditedSafelyIsNamedAndNothingIsPlanned()
    {
        var files = Reference();
        files[Dom0Editor.RcConf] += "hostname=\"unterminated\n";
        var ex = Assert.Throws<XenConfigFileException>(() => Dom0Editor.Edit(Handbook().Validate(), Facts(), files));
        Assert.Equal("/etc/rc.conf", ex.FileName);
        Assert.StartsWith("/etc/rc.conf: Line 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACommandLineWithLoaderVariablesIsNotRewritten()
    {
        var files = Reference();
        files[Dom0Editor.LoaderConf] += "xen_cmdline=\"${xen_base} dom0=pvh\"\n";
        var ex = Assert.Throws<XenConfigFileException>(() => Dom0Editor.Edit(Handbook().Validate(), Facts(), files));
        Assert.Contains("loader variables", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithARootEveryRecordNamesTheFileUnderIt()
    {
        var request = Handbook();
        request.Root = "/mnt/be";
        var r = Dom0Editor.Edit(request.Validate(), Facts(), Reference());
        Assert.All(r.Settings, s => Assert.StartsWith("/mnt/be/", s.File, StringComparison.Ordinal));
        Assert.Contains(r.Settings, s => s.Remedy == "sysrc -f /mnt/be/etc/rc.conf xencommons_enable=\"YES\"");
        // The texts are keyed by the system's own paths.
        Assert.Equal(Expected("expected-dom0", Dom0Editor.LoaderConf), r.Texts[Dom0Editor.LoaderConf]);
    }
}
