using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>Which files FreeBSD's readers read, in which order (FreeBsdReaders), and the value that takes effect
/// (ConfigChain.Evaluate), on the real FreeBSD 14 /boot/defaults/loader.conf.</summary>
public class ConfigChainTests
{
    private static readonly string Defaults = FreeBsdData.Read("defaults-loader.conf");

    // FreeBSD 14.2 and later: loader.conf.local moved to local_loader_conf_files, read after loader.conf.d.
    private static readonly string Defaults142 = Defaults.Replace(
        "loader_conf_files=\"/boot/device.hints /boot/loader.conf /boot/loader.conf.local\"\n",
        "loader_conf_files=\"/boot/device.hints /boot/loader.conf\"\nlocal_loader_conf_files=\"/boot/loader.conf.local\"\n", StringComparison.Ordinal);

    private static ConfigTree Tree(params (string Path, string? Text)[] files) =>
        ConfigTree.FromTexts(files.ToDictionary(f => f.Path, f => f.Text, StringComparer.Ordinal));

    private static string[] Paths(ConfigChain chain) => chain.Sources.Select(s => s.Path).ToArray();

    [Fact]
    public void TheFreeBsd14LoaderReadsLoaderConfThenLocalThenTheDirectory()
    {
        Assert.Contains("loader_conf_files=\"/boot/device.hints /boot/loader.conf /boot/loader.conf.local\"", Defaults, StringComparison.Ordinal);
        var tree = Tree((FreeBsdReaders.LoaderDefaults, Defaults), ("/boot/loader.conf", "a=\"1\"\n"), ("/boot/loader.conf.local", "a=\"2\"\n"),
            ("/boot/loader.conf.d/20-b.conf", "a=\"4\"\n"), ("/boot/loader.conf.d/10-a.conf", "a=\"3\"\n"),
            ("/boot/loader.conf.d/README", "a=\"readme\"\n"), ("/boot/loader.conf.d/old.conf.bak", "a=\"bak\"\n"));
        var chain = FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { FreeBsdReaders.LoaderDefaults, "/boot/loader.conf", "/boot/loader.conf.local", "/boot/loader.conf.d/10-a.conf", "/boot/loader.conf.d/20-b.conf" }, Paths(chain));
        Assert.False(chain.Sources[0].Editable);
        Assert.All(chain.Sources.Skip(1), s => Assert.True(s.Editable));
        Assert.Equal("/boot/loader.conf.d", chain.Sources[3].UnorderedGroup);
        Assert.Equal(1, chain.MainPosition);

        var a = chain.Evaluate(tree.Text, "a");
        Assert.Equal("4", a.Value);
        Assert.Equal("/boot/loader.conf.d/20-b.conf:1", a.Effective!.ToString());
        // 10-a.conf and 20-b.conf disagree: the loader reads them in directory order.
        Assert.True(a.Ambiguous);
        Assert.Equal(4, a.Assignments.Count);
        Assert.Empty(chain.Notes);
    }

    [Fact]
    public void FreeBsd142ReadsLoaderConfLocalLast()
    {
        var tree = Tree((FreeBsdReaders.LoaderDefaults, Defaults142), ("/boot/loader.conf", "a=\"1\"\n"), ("/boot/loader.conf.local", "a=\"2\"\n"),
            ("/boot/loader.conf.d/x.conf", "a=\"3\"\n"));
        var chain = FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { FreeBsdReaders.LoaderDefaults, "/boot/loader.conf", "/boot/loader.conf.d/x.conf", "/boot/loader.conf.local" }, Paths(chain));
        var a = chain.Evaluate(tree.Text, "a");
        Assert.Equal("2", a.Value);
        Assert.False(a.Ambiguous);
    }

    [Fact]
    public void LoaderConfFilesInAFileAreReadRightAfterIt()
    {
        var tree = Tree((FreeBsdReaders.LoaderDefaults, Defaults), ("/boot/loader.conf", "loader_conf_files=\"/boot/xen.conf boot/more.lua\"\na=\"1\"\n"),
            ("/boot/xen.conf", "a=\"x\"\n"), ("/boot/loader.conf.local", "b=\"2\"\n"));
        var chain = FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { FreeBsdReaders.LoaderDefaults, "/boot/loader.conf", "/boot/xen.conf", "/boot/loader.conf.local" }, Paths(chain));
        Assert.Equal("x", chain.Evaluate(tree.Text, "a").Value);
        Assert.Contains(chain.Warnings, w => w.Contains("/boot/more.lua", StringComparison.Ordinal) && w.Contains("Lua", StringComparison.Ordinal));
    }

    [Fact]
    public void LoaderConfDirsInLoaderConfAddADirectoryAndAnyNameEndingInConfIsRead()
    {
        var tree = Tree((FreeBsdReaders.LoaderDefaults, Defaults), ("/boot/loader.conf", "loader_conf_dirs=\"/boot/loader.conf.d /boot/site\"\n"),
            ("/boot/site/xconf", "a=\"1\"\n"), ("/boot/site/.hidden.conf", "a=\"2\"\n"), ("/boot/site/conf", "a=\"3\"\n"));
        var chain = FreeBsdReaders.Loader(tree);
        // config.lua matches ".conf$": any character, then "conf".
        Assert.Equal(new[] { FreeBsdReaders.LoaderDefaults, "/boot/loader.conf", "/boot/site/.hidden.conf", "/boot/site/xconf" }, Paths(chain));
    }

    [Fact]
    public void AMissingDefaultsFileIsTakenAsTheStockOne()
    {
        var tree = Tree(("/boot/loader.conf", "a=\"1\"\n"), ("/boot/loader.conf.d/z.conf", "a=\"2\"\n"));
        var chain = FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { "/boot/loader.conf", "/boot/loader.conf.d/z.conf" }, Paths(chain));
        Assert.Contains(chain.Notes, n => n.Contains("missing", StringComparison.Ordinal));
        Assert.Equal("2", chain.Evaluate(tree.Text, "a").Value);
    }

    [Fact]
    public void AnOpenTreeAsksForWhatItDoesNotKnow()
    {
        var tree = new ConfigTree();
        FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { FreeBsdReaders.LoaderDefaults }, tree.Requests);
        tree.ClearRequests();
        tree.SetFile(FreeBsdReaders.LoaderDefaults, Defaults);
        FreeBsdReaders.Loader(tree);
        Assert.Equal(new[] { "/boot/device.hints", "/boot/loader.conf", "/boot/loader.conf.d", "/boot/loader.conf.local" }, tree.Requests);
    }

    [Fact]
    public void RcReadsRcConfThenLocalThenTheServiceFiles()
    {
        var tree = Tree((FreeBsdReaders.RcDefaults, "rc_conf_files=\"/etc/rc.conf /etc/rc.conf.local\"\nlocal_startup=\"/usr/local/etc/rc.d\"\nxencommons_enable=\"NO\"\n"),
            ("/etc/rc.conf", "xencommons_enable=\"YES\"\n"), ("/etc/rc.conf.local", "xencommons_enable=\"NO\"\n"),
            ("/etc/rc.conf.d/xencommons", "xencommons_enable=\"maybe\"\n"), ("/usr/local/etc/rc.conf.d/xencommons", "xencommons_enable=\"last\"\n"),
            ("/etc/rc.conf.d/netif", "xencommons_enable=\"not for xencommons\"\n"));
        var chain = FreeBsdReaders.Rc(tree, new[] { "xencommons" });
        Assert.Equal(new[] { FreeBsdReaders.RcDefaults, "/etc/rc.conf", "/etc/rc.conf.local", "/etc/rc.conf.d/xencommons", "/usr/local/etc/rc.conf.d/xencommons" }, Paths(chain));
        var v = chain.Evaluate(tree.Text, "xencommons_enable");
        Assert.Equal("last", v.Value);
        Assert.Equal("/usr/local/etc/rc.conf.d/xencommons:1", v.Effective!.ToString());
        Assert.Equal(5, v.Assignments.Count);
    }

    [Fact]
    public void RcConfFilesRedefinedInRcConfAreReadInTheSecondPass()
    {
        var tree = Tree((FreeBsdReaders.RcDefaults, "rc_conf_files=\"/etc/rc.conf /etc/rc.conf.local\"\n"),
            ("/etc/rc.conf", "rc_conf_files=\"/etc/rc.conf.site /etc/rc.conf /etc/rc.conf.local\"\na=\"1\"\n"),
            ("/etc/rc.conf.local", "a=\"2\"\n"), ("/etc/rc.conf.site", "a=\"3\"\n"));
        var chain = FreeBsdReaders.Rc(tree, new[] { "xencommons" });
        Assert.Equal(new[] { FreeBsdReaders.RcDefaults, "/etc/rc.conf", "/etc/rc.conf.local", "/etc/rc.conf.site" }, Paths(chain));
        Assert.Equal("3", chain.Evaluate(tree.Text, "a").Value);
    }

    [Fact]
    public void AnRcConfDDirectoryIsReadInSortedOrderWithoutDotFiles()
    {
        var tree = Tree(("/etc/rc.conf", "a=\"0\"\n"), ("/etc/rc.conf.d/netif/b", "a=\"b\"\n"), ("/etc/rc.conf.d/netif/a", "a=\"a\"\n"),
            ("/etc/rc.conf.d/netif/.c", "a=\"dot\"\n"), ("/etc/rc.conf.d/network", "a=\"network\"\n"));
        var chain = FreeBsdReaders.Rc(tree, new[] { "network", "netif" });
        Assert.Equal(new[] { "/etc/rc.conf", "/etc/rc.conf.d/network", "/etc/rc.conf.d/netif/a", "/etc/rc.conf.d/netif/b" }, Paths(chain));
        Assert.True(chain.Sources[2].BackupIsRead);
        Assert.False(chain.Sources[1].BackupIsRead);
        Assert.Equal("b", chain.Evaluate(tree.Text, "a").Value);
        Assert.Contains(chain.Notes, n => n.Contains(FreeBsdReaders.RcDefaults, StringComparison.Ordinal));
    }

    [Fact]
    public void SysctlReadsSysctlConfThenLocal()
    {
        var tree = Tree(("/etc/sysctl.conf", "vm.max_user_wired=-1\n"), ("/etc/sysctl.conf.local", "vm.max_user_wired=0\n"));
        var chain = FreeBsdReaders.Sysctl(tree);
        Assert.Equal(new[] { "/etc/sysctl.conf", "/etc/sysctl.conf.local" }, Paths(chain));
        Assert.Equal("0", chain.Evaluate(tree.Text, "vm.max_user_wired").Value);
    }

    [Fact]
    public void AMalformedLastLineNeverWinsButIsNotTheLast()
    {
        var tree = Tree(("/boot/loader.conf", "a=\"1\"\n"), ("/boot/loader.conf.local", "a='2'\n"));
        var v = FreeBsdReaders.Loader(tree).Evaluate(tree.Text, "a");
        Assert.Equal("1", v.Value);
        Assert.False(v.EffectiveIsLast);
    }

    [Theory]
    [InlineData(ShellConfigDialect.LoaderConf, "a=\"1\"\nxen_cmdline=\"dom0_mem=2048M dom0=pvh\" # old\nb=\"2\"\n", "a=\"1\"\n# why\n#xen_cmdline=\"dom0_mem=2048M dom0=pvh\" # old\nb=\"2\"\n")]
    [InlineData(ShellConfigDialect.RcConf, "xen_cmdline=\"a\nb\"\nx=1\r\n", "# why\n#xen_cmdline=\"a\n#b\"\nx=1\r\n")]
    [InlineData(ShellConfigDialect.SysctlConf, "  xen_cmdline = 1\r\nxen_cmdline:2", "# why\r\n#  xen_cmdline = 1\r\n#xen_cmdline:2")]
    public void DisableCommentsOutEveryLineOfEveryAssignmentAndKeepsTheRest(ShellConfigDialect dialect, string text, string expected)
    {
        var editor = ShellConfigEditor.For(dialect);
        var r = editor.Disable(text, "xen_cmdline", "why");
        Assert.True(r.Changed);
        Assert.Equal(expected, r.Text);
        Assert.Null(r.After);
        Assert.Null(editor.GetValue(r.Text, "xen_cmdline"));
        Assert.False(editor.Disable(r.Text, "xen_cmdline", "why").Changed);
    }

    [Fact]
    public void DisableRefusesAnRcLineWithAnotherCommand()
    {
        var ex = Assert.Throws<XenConfigFileException>(() => ShellConfigEditor.RcConf.Disable("a=1; reboot\n", "a", "why"));
        Assert.Equal(1, ex.LineNumber);
        Assert.Throws<ArgumentException>(() => ShellConfigEditor.RcConf.Disable("a=1\n", "a", "why\nb=2"));
    }
}
