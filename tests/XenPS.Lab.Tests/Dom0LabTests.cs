using System.Security.Cryptography;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>
/// Initialize-XenDom0 and Test-XenDom0 -Root over SSH: the FreeBSD 14 files are copied under /root/fbsd on the
/// (Linux) lab Dom0, so that every remote path (reading, the atomic write batch with backups, the directory, the
/// tools run through the remote PATH) is exercised for real, and the result is checked with raw ssh.
/// cap_mkdb does not exist on the Linux lab: the test installs the stand-in of tests/XenPS.Tests/fakes/cap_mkdb
/// at /usr/local/bin/cap_mkdb (on the remote PATH that XenPS adds), logging its calls to /root/fbsd-tools.log, and
/// removes it afterwards; it only does so when the host has no cap_mkdb of its own. pkg is not there either:
/// -XenVersion 4.17 (the lab's Xen) is given, so pkg is never needed by Initialize; Test-XenDom0 reports the
/// package checks as failed ("pkg is not installed"), which the test asserts.
/// </summary>
public sealed class Dom0LabTests : LabTest
{
    private const string H = LabFixture.Host1;
    private const string Root = "/root/fbsd";
    private const string ToolLog = "/root/fbsd-tools.log";
    private const string CapMkdb = "/usr/local/bin/cap_mkdb";
    private const string Handbook = "-Dom0Memory 8192M -Dom0VCpus 4 -BridgeInterface bge2 -LoadTap -BootMenu -XenVersion 4.17";

    private static readonly string[] TreeFiles = { "boot/loader.conf", "boot/menu.rc.local", "etc/sysctl.conf", "etc/login.conf", "etc/ttys", "etc/rc.conf" };

    public Dom0LabTests(LabFixture lab) : base(lab) { }

    private static string Local(string relative) => Path.Combine(AppContext.BaseDirectory, relative);

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    /// <summary>A fresh copy of the FreeBSD 14 files under /root/fbsd, laid out as a system.</summary>
    private void CopyTree()
    {
        Lab.SshOk(H, $"rm -rf {Root} {ToolLog} && mkdir -p {Root}/etc {Root}/boot {Root}/bin {Root}/var/log");
        foreach (var name in new[] { "rc.conf", "login.conf", "sysctl.conf", "ttys" })
            Lab.WriteFile(H, $"{Root}/etc/{name}", File.ReadAllText(Local("Data/freebsd-14-etc/" + name)));
        Lab.WriteFile(H, $"{Root}/boot/loader.conf", File.ReadAllText(Local("Data/freebsd-14-etc/loader.conf")));
        Lab.WriteFile(H, $"{Root}/boot/xen", "stand-in for the Xen hypervisor\n");
        Lab.WriteFile(H, $"{Root}/bin/freebsd-version", File.ReadAllText(Local("fakes/freebsd-version")));
        // The bytes arrived unchanged (WriteFile goes through cat > file).
        foreach (var name in new[] { "rc.conf", "login.conf", "sysctl.conf", "ttys" })
            Assert.Equal(Sha256(Local("Data/freebsd-14-etc/" + name)), RemoteSha256($"{Root}/etc/{name}"));
    }

    /// <summary>Installs the cap_mkdb stand-in when the host has none; returns whether it did.</summary>
    private bool InstallCapMkdb()
    {
        if (Lab.Ssh(H, "command -v cap_mkdb").ExitCode == 0 && Lab.Ssh(H, $"grep -q 'xenps stand-in' {CapMkdb}").ExitCode != 0) return false;
        var script = File.ReadAllText(Local("fakes/cap_mkdb")).Replace("#!/bin/sh\n", $"#!/bin/sh\nXENPS_FAKE_LOG={ToolLog}\n", StringComparison.Ordinal);
        Lab.SshOk(H, "mkdir -p /usr/local/bin");
        Lab.WriteFile(H, CapMkdb, script);
        Lab.SshOk(H, $"chmod 755 {CapMkdb}");
        return true;
    }

    private void RemoveCapMkdb() => Lab.Ssh(H, $"grep -q 'xenps stand-in' {CapMkdb} && rm -f {CapMkdb}");

    private string RemoteSha256(string path) => Lab.SshOk(H, $"sha256sum {path}").Split(' ')[0];

    /// <summary>Every file of the remote tree with its hash, sorted: the oracle for "nothing changed".</summary>
    private string RemoteTree() => Lab.SshOk(H, $"cd {Root} && find . -type f -exec sha256sum {{}} + | sort -k 2 && find . -type d | sort");

    [Fact]
    public void InitializeOverSshWritesTheHandbookFilesAndASecondRunChangesNothing()
    {
        CopyTree();
        var installed = InstallCapMkdb();
        try
        {
            var r = Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook} -Confirm:$false");
            Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.Message)));
            foreach (var file in TreeFiles)
                Assert.Equal(Sha256(Local("Data/freebsd-14-etc/expected-dom0/" + file)), RemoteSha256($"{Root}/{file}"));
            Assert.Equal("xen_cmdline=\"dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all\"",
                Lab.SshOk(H, $"grep ^xen_cmdline= {Root}/boot/loader.conf").Trim());

            // The records name the remote host and the files under the root.
            Assert.All(r.Output, o => Assert.Equal(H, Prop(o, "ComputerName")));
            Assert.Contains(r.Output, o => (string)Prop(o, "File")! == $"{Root}/etc/sysctl.conf" && (string)Prop(o, "Setting")! == "vm.max_user_wired" && (bool)Prop(o, "Changed")!);

            // cap_mkdb ran on the Dom0 (found on its PATH), the log directory and the backups exist there.
            if (installed) Assert.Contains($"cap_mkdb {Root}/etc/login.conf", Lab.SshOk(H, $"cat {ToolLog}"), StringComparison.Ordinal);
            Lab.SshOk(H, $"test -f {Root}/etc/login.conf.db && test -d {Root}/var/log/xen");
            Assert.Equal("755", Lab.SshOk(H, $"stat -c %a {Root}/var/log/xen").Trim());
            var backups = Lab.SshOk(H, $"ls {Root}/boot {Root}/etc | grep -c '\\.xenps-[0-9]*T[0-9]*Z\\.bak$'").Trim();
            Assert.Equal("5", backups);
            Assert.Equal(Sha256(Local("Data/freebsd-14-etc/rc.conf")), Lab.SshOk(H, $"sha256sum {Root}/etc/rc.conf.xenps-*.bak").Split(' ')[0]);
            Assert.Contains(r.Warnings, w => w.Contains("boot configuration", StringComparison.Ordinal));

            var before = RemoteTree();
            Host.ClearText();
            var second = Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook} -Confirm:$false");
            Assert.Empty(second.Errors);
            Assert.All(second.Output, o => Assert.False((bool)Prop(o, "Changed")!, (string)Prop(o, "Setting")!));
            Assert.Contains("nothing to change", Host.Text, StringComparison.Ordinal);
            Assert.Equal(before, RemoteTree());

            // Test-XenDom0 over SSH: every file check passes; pkg does not exist on the Linux lab.
            var test = Run($"Test-XenDom0 -ComputerName {H} -Root {Root} {Handbook}");
            Assert.Empty(test.Errors);
            foreach (var check in test.Output)
            {
                var name = (string)Prop(check, "Check")!;
                if (name.StartsWith("Package ", StringComparison.Ordinal))
                    Assert.Contains("pkg is not installed", (string)Prop(check, "Actual")!, StringComparison.Ordinal);
                else Assert.True((bool)Prop(check, "Compliant")!, $"{name}: {Prop(check, "Actual")}");
            }
        }
        finally
        {
            if (installed) RemoveCapMkdb();
        }
    }

    [Fact]
    public void WhatIfOverSshChangesNothingOnTheDom0AndShowsTheDiff()
    {
        CopyTree();
        var before = RemoteTree();
        var r = Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook} -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Equal(before, RemoteTree());
        Assert.Contains($"What if: Prepare the system mounted at {Root} on '{H}' as a Xen Dom0 (FreeBSD 14.1-RELEASE-p5, Xen 4.17 (from -XenVersion): dom0=pvh)", Host.Text, StringComparison.Ordinal);
        Assert.Contains($"--- a{Root}/boot/loader.conf", Host.Text, StringComparison.Ordinal);
        Assert.Contains("+vm.max_user_wired=-1", Host.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OverSshOverridingLinesAreCommentedOutAndALinkOutOfTheRootIsRefused()
    {
        const string Outside = "/root/fbsd-outside";
        CopyTree();
        var installed = InstallCapMkdb();
        try
        {
            // The loader reads /boot/loader.conf.d after loader.conf, rc reads rc.conf.local after rc.conf.
            Lab.SshOk(H, $"mkdir -p {Root}/boot/loader.conf.d");
            Lab.WriteFile(H, $"{Root}/boot/loader.conf.d/20-old-xen.conf", "xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n");
            Lab.WriteFile(H, $"{Root}/etc/rc.conf.local", "xencommons_enable=\"NO\"\n");
            var audit = Run($"Test-XenDom0 -ComputerName {H} -Root {Root} {Handbook}");
            var mem = Assert.Single(audit.Output, o => (string)Prop(o, "Check")! == "loader.conf: xen_cmdline dom0_mem");
            Assert.Equal("dom0_mem=2048M", Prop(mem, "Actual"));
            Assert.Equal($"{Root}/boot/loader.conf.d/20-old-xen.conf:1", Prop(mem, "Source"));
            var r = Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook} -Confirm:$false");
            Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.Message)));
            Assert.Equal("#xen_cmdline=\"dom0_mem=2048M dom0=pvh\"", Lab.SshOk(H, $"sed -n 2p {Root}/boot/loader.conf.d/20-old-xen.conf").Trim());
            Assert.Equal("#xencommons_enable=\"NO\"", Lab.SshOk(H, $"sed -n 2p {Root}/etc/rc.conf.local").Trim());
            Assert.All(Run($"Test-XenDom0 -ComputerName {H} -Root {Root} {Handbook}").Output.Where(o => ((string)Prop(o, "Check")!).Contains(':', StringComparison.Ordinal)),
                o => Assert.True((bool)Prop(o, "Compliant")!, $"{Prop(o, "Check")}: {Prop(o, "Actual")} ({Prop(o, "Source")})"));

            // ROOT/boot/loader.conf.d -> a directory outside the root: refused, nothing changes anywhere.
            Lab.SshOk(H, $"rm -rf {Outside} && mkdir -p {Outside} && mv {Root}/boot/loader.conf.d/20-old-xen.conf {Outside}/ && rm -rf {Root}/boot/loader.conf.d && ln -s {Outside} {Root}/boot/loader.conf.d");
            var before = RemoteTree();
            var outside = Lab.SshOk(H, $"sha256sum {Outside}/*");
            var e = Assert.Single(Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook.Replace("-Dom0Memory 8192M", "-Dom0Memory 4096M", StringComparison.Ordinal)} -Confirm:$false").Errors);
            Assert.Equal("XenRootPathEscapes,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
            Assert.Contains($"{Root}/boot/loader.conf.d", e.Exception.Message, StringComparison.Ordinal);
            Assert.Equal(before, RemoteTree());
            Assert.Equal(outside, Lab.SshOk(H, $"sha256sum {Outside}/*"));
        }
        finally
        {
            Lab.Ssh(H, $"rm -rf {Outside} {Root}/boot/loader.conf.d");
            if (installed) RemoveCapMkdb();
        }
    }

    [Theory]
    [InlineData("-Dom0Memory '8G; reboot'")]
    [InlineData("-Dom0Memory 8192M -BridgeInterface 'em0 \"; reboot'")]
    public void HostileInputChangesNothingOnTheDom0(string arguments)
    {
        CopyTree();
        var before = RemoteTree();
        var e = Assert.Single(Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} -XenVersion 4.17 {arguments} -Confirm:$false").Errors);
        Assert.Equal("XenInvalidArgument,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(before, RemoteTree());
    }

    [Fact]
    public void AMissingCapMkdbOnTheDom0IsReportedClearly()
    {
        CopyTree();
        if (Lab.Ssh(H, "command -v cap_mkdb").ExitCode == 0) RemoveCapMkdb();
        Assert.NotEqual(0, Lab.Ssh(H, "command -v cap_mkdb").ExitCode);
        var r = Run($"Initialize-XenDom0 -ComputerName {H} -Root {Root} {Handbook} -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenCapMkdbFailed,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Contains("not found on this host", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"cap_mkdb {Root}/etc/login.conf", e.Exception.Message, StringComparison.Ordinal);
        // The files were written all the same.
        Assert.Equal(Sha256(Local("Data/freebsd-14-etc/expected-dom0/etc/login.conf")), RemoteSha256($"{Root}/etc/login.conf"));
    }
}
