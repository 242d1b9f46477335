using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>The Xen dom0 edits on the real FreeBSD files, compared byte for byte with Data/freebsd-14-etc/expected.</summary>
public class GoldenTests
{
    private const string XenCmdline = "dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all";

    private static ConfigEditResult EditSysctl(string text) => ShellConfigEditor.SysctlConf.Set(text, "vm.max_user_wired", "-1");

    private static string EditLoader(string text)
    {
        var editor = ShellConfigEditor.LoaderConf;
        text = editor.Set(text, "xen_kernel", "/boot/xen").Text;
        text = editor.EditWordList(text, "xen_cmdline", l => l
            .Set("dom0_mem", "8192M").Set("dom0_max_vcpus", "4").Set("dom0", "pvh").Set("console", "com1,vga")
            .Set("com1", "115200,8n1").Set("guest_loglvl", "all").Set("loglvl", "all")).Text;
        return editor.Set(text, "if_tap_load", "YES").Text;
    }

    private static string EditRc(string text)
    {
        var editor = ShellConfigEditor.RcConf;
        text = editor.Set(text, "xencommons_enable", "YES").Text;
        text = editor.Set(text, "cloned_interfaces", "bridge0").Text;
        text = editor.Set(text, "ifconfig_bridge0", "addm em0 SYNCDHCP").Text;
        return editor.Set(text, "ifconfig_em0", "up").Text;
    }

    [Fact]
    public void SysctlConfGetsMaxUserWired()
    {
        var original = FreeBsdData.Read("sysctl.conf");
        var r = EditSysctl(original);
        Assert.True(r.Changed);
        Assert.Null(r.Before);
        Assert.Equal("-1", r.After);
        Assert.Equal(FreeBsdData.Expected("sysctl.conf"), r.Text);
        FreeBsdData.AssertOnlyInserted(original, r.Text, 9);
        Assert.Equal("-1", ShellConfigEditor.SysctlConf.GetValue(r.Text, "vm.max_user_wired"));
        // The commented-out example stays a comment.
        Assert.Null(ShellConfigEditor.SysctlConf.GetValue(r.Text, "security.bsd.see_other_uids"));
    }

    [Fact]
    public void LoginConfGetsUnlimitedMemoryLockedInDefaultOnly()
    {
        var original = FreeBsdData.Read("login.conf");
        var r = LoginConf.EnsureMemoryLockedUnlimited(original);
        Assert.True(r.Changed);
        Assert.Equal("memorylocked=64K", r.Before);
        Assert.Equal("memorylocked=unlimited", r.After);
        Assert.Equal(FreeBsdData.Expected("login.conf"), r.Text);
        FreeBsdData.AssertOnlyReplaced(original, r.Text, 34);
        Assert.Equal("128M", LoginConf.GetCapability(r.Text, "daemon", "memorylocked")!.Value);
        Assert.Equal("unlimited", LoginConf.GetCapability(r.Text, "root", "memorylocked")!.Value);
        Assert.Equal("unlimited", LoginConf.GetCapability(r.Text, "default", "memorylocked")!.Value);
    }

    [Fact]
    public void TtysGetsXenConsoleAfterTheSerialConsoles()
    {
        var original = FreeBsdData.Read("ttys");
        var r = Ttys.EnsureXenConsole(original);
        Assert.True(r.Changed);
        Assert.Null(r.Before);
        Assert.Equal(Ttys.XenConsoleEntry, r.After);
        Assert.Equal(FreeBsdData.Expected("ttys"), r.Text);
        FreeBsdData.AssertOnlyInserted(original, r.Text, 47);
    }

    [Fact]
    public void LoaderConfGetsXenKernelCmdlineAndTap()
    {
        var original = FreeBsdData.Read("loader.conf");
        var result = EditLoader(original);
        Assert.Equal(FreeBsdData.Expected("loader.conf"), result);
        FreeBsdData.AssertOnlyInserted(original, result, 13, 14, 15);
        Assert.Equal("/boot/xen", ShellConfigEditor.LoaderConf.GetValue(result, "xen_kernel"));
        Assert.Equal(XenCmdline, ShellConfigEditor.LoaderConf.GetValue(result, "xen_cmdline"));
        // The user's unquoted zfs settings are still read as the loader reads them.
        Assert.Equal("96G", ShellConfigEditor.LoaderConf.GetValue(result, "vfs.zfs.arc_max"));
    }

    [Fact]
    public void LoaderConfSetOfTheWholeCmdlineGivesTheSameFile()
    {
        var editor = ShellConfigEditor.LoaderConf;
        var text = FreeBsdData.Read("loader.conf");
        text = editor.Set(text, "xen_kernel", "/boot/xen").Text;
        text = editor.Set(text, "xen_cmdline", XenCmdline).Text;
        text = editor.Set(text, "if_tap_load", "YES").Text;
        Assert.Equal(FreeBsdData.Expected("loader.conf"), text);
    }

    [Fact]
    public void LoaderConfCmdlineWithoutLogLevelsGetsThemAppended()
    {
        var editor = ShellConfigEditor.LoaderConf;
        var text = FreeBsdData.Read("loader.conf") +
                   "xen_kernel=\"/boot/xen\"\nxen_cmdline=\"dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1\"\nif_tap_load=\"YES\"\n";
        var r = editor.EditWordList(text, "xen_cmdline", l => l.Set("guest_loglvl", "all").Set("loglvl", "all"));
        Assert.True(r.Changed);
        Assert.Equal("dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1", r.Before);
        Assert.Equal(XenCmdline, r.After);
        Assert.Equal(FreeBsdData.Expected("loader.conf"), r.Text);
    }

    [Fact]
    public void RcConfGetsXencommonsAndTheBridge()
    {
        var original = FreeBsdData.Read("rc.conf");
        var result = EditRc(original);
        Assert.Equal(FreeBsdData.Expected("rc.conf"), result);
        FreeBsdData.AssertOnlyInserted(original, result, 8, 9, 10, 11);
        Assert.Equal("addm em0 SYNCDHCP", ShellConfigEditor.RcConf.GetValue(result, "ifconfig_bridge0"));
    }

    [Fact]
    public void EditsAreIdempotent()
    {
        var sysctl = FreeBsdData.Expected("sysctl.conf");
        var r1 = EditSysctl(sysctl);
        Assert.False(r1.Changed);
        Assert.Same(sysctl, r1.Text);
        Assert.Equal("-1", r1.Before);

        var login = FreeBsdData.Expected("login.conf");
        var r2 = LoginConf.EnsureMemoryLockedUnlimited(login);
        Assert.False(r2.Changed);
        Assert.Same(login, r2.Text);

        var ttys = FreeBsdData.Expected("ttys");
        var r3 = Ttys.EnsureXenConsole(ttys);
        Assert.False(r3.Changed);
        Assert.Same(ttys, r3.Text);
        Assert.Equal(Ttys.XenConsoleEntry, r3.Before);

        var loader = FreeBsdData.Expected("loader.conf");
        Assert.Equal(loader, EditLoader(loader));
        Assert.False(ShellConfigEditor.LoaderConf.Set(loader, "xen_kernel", "/boot/xen").Changed);
        Assert.False(ShellConfigEditor.LoaderConf.Set(loader, "xen_cmdline", XenCmdline).Changed);
        Assert.False(ShellConfigEditor.LoaderConf.EditWordList(loader, "xen_cmdline", l => l.Set("dom0", "pvh").Set("loglvl", "all")).Changed);

        var rc = FreeBsdData.Expected("rc.conf");
        Assert.Equal(rc, EditRc(rc));
        Assert.False(ShellConfigEditor.RcConf.Set(rc, "ifconfig_bridge0", "addm em0 SYNCDHCP").Changed);

        var menu = MenuRcLocal.EnsureXenInclude(string.Empty).Text;
        Assert.False(MenuRcLocal.EnsureXenInclude(menu).Changed);
    }

    [Fact]
    public void DefaultsLoaderConfReadsCleanly()
    {
        // /boot/defaults/loader.conf is what the loader itself parses first: every assignment must be well formed.
        var text = FreeBsdData.Read("defaults-loader.conf");
        var all = ShellConfigEditor.LoaderConf.GetAssignments(text);
        Assert.Equal(42, all.Count);
        Assert.All(all, a => Assert.False(a.IsMalformed, $"line {a.LineNumber}: {a.Problem}"));
        Assert.Equal("kernel", ShellConfigEditor.LoaderConf.GetValue(text, "kernel"));
        Assert.Equal("/boot/device.hints /boot/loader.conf /boot/loader.conf.local", ShellConfigEditor.LoaderConf.GetValue(text, "loader_conf_files"));
        Assert.Equal("echo Loading /boot/defaults/loader.conf", ShellConfigEditor.LoaderConf.GetValue(text, "exec"));
        Assert.Null(ShellConfigEditor.LoaderConf.GetValue(text, "xen_kernel"));
        // A commented-out default is not an assignment.
        Assert.Null(ShellConfigEditor.LoaderConf.GetValue(text, "console"));
    }

    [Fact]
    public void ReferenceFilesAreReadAsTheirReadersDo()
    {
        var rc = FreeBsdData.Read("rc.conf");
        Assert.Equal("FBSD-NAS", ShellConfigEditor.RcConf.GetValue(rc, "hostname"));
        Assert.Equal("AUTO", ShellConfigEditor.RcConf.GetValue(rc, "dumpdev"));
        Assert.Equal(7, ShellConfigEditor.RcConf.GetAssignments(rc).Count);

        var loader = FreeBsdData.Read("loader.conf");
        Assert.Equal("0", ShellConfigEditor.LoaderConf.GetValue(loader, "kern.geom.label.disk_ident.enable"));
        Assert.Equal("16M", ShellConfigEditor.LoaderConf.GetValue(loader, "vfs.zfs.vdev.cache.size"));
        Assert.Equal(ShellQuoteStyle.Unquoted, ShellConfigEditor.LoaderConf.GetEffective(loader, "vfs.zfs.arc_min")!.QuoteStyle);
    }
}
