using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>The guest lifecycle cmdlets against a real Xen: PV, PVH and HVM guests on file-backed disks, the
/// Handbook's install flow, failures that must leave nothing behind, and autostart through the rc.d script.</summary>
public sealed class LifecycleLabTests : LabTest
{
    private const string H = LabFixture.Host1;
    private const string Kernel = "-Kernel /var/lib/xen/guest-vmlinux -Ramdisk /var/lib/xen/guest-initrd.gz -Extra 'console=hvc0 rdinit=/sbin/init'";

    public LifecycleLabTests(LabFixture lab) : base(lab) { }

    private RunResult Ok(string script)
    {
        var r = Run(script);
        Assert.True(r.Errors.Count == 0, script + "\n" + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return r;
    }

    private bool Running(string name) => Lab.Ssh(H, $"xl list {name}").ExitCode == 0;

    private string StateOf(string name) => Lab.Ssh(H, $"xl list {name} | awk 'NR==2 {{print $5}}'").Stdout.Trim();

    /// <summary>Nothing of the guest is left: no domain, no config, no disk image.</summary>
    private void AssertNothingLeft(string name)
    {
        Assert.False(Running(name), $"{name} still runs");
        Assert.Equal("", Lab.Ssh(H, $"ls /etc/xen/{name}.cfg /root/{name}.img 2>/dev/null").Stdout.Trim());
    }

    private void Forget(params string[] names)
    {
        foreach (var n in names) Lab.Ssh(H, $"xl destroy {n} >/dev/null 2>&1; rm -f /etc/xen/{n}.cfg /root/{n}.img /etc/xen/auto/*-{n}.cfg /var/log/xen/console/guest-{n}.log");
    }

    [Fact]
    public void PvPvhAndHvmGuestsOnFileDisksLiveTheirWholeLife()
    {
        Lab.CleanGuests(H);
        Forget("lpv", "lpvh", "lhvm");
        Ok($"New-XenDomU -ComputerName {H} lpv -Type Pv -MemoryMB 128 {Kernel} -DiskPath /root/lpv.img -DiskSizeGB 1 -Confirm:$false");
        Ok($"New-XenDomU -ComputerName {H} lpvh -Type Pvh -MemoryMB 128 {Kernel} -DiskPath /root/lpvh.img -DiskSizeGB 1 -NoNetwork -ConfigOption @{{ cpuid = 'host,rdtscp=0' }}");
        Ok($"New-XenDomU -ComputerName {H} lhvm -Type Hvm -MemoryMB 128 -DiskPath /root/lhvm.img -DiskSizeGB 1 -NoNetwork -Serial pty");

        // Both booted, so that neither restarts under our feet (under TCG a PVH kernel now and then triple-faults early; on_reboot="restart" boots it again).
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-lpv.log").ExitCode == 0, 180), "lpv did not boot");
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-lpvh.log").ExitCode == 0, 240), "lpvh did not boot");
        // lhvm (no OS) restarts now and then, and is briefly absent while it does (Get-XenDomain reads xl list -l again
        // a few times when a domain is missing from it, but a restart can outlast that): read until all three are
        // there with their details.
        List<PSObject> detailed = new();
        Assert.True(LabFixture.WaitFor(() => (detailed = Ok($"Get-XenDomain -ComputerName {H} l* -Detailed").Output.ToList()).Count == 3
                && detailed.All(o => (bool)Prop(o, "IsDetailed")!), 120),
            "Get-XenDomain -Detailed did not show the three guests: " + string.Join(", ", detailed.Select(o => Prop(o, "Name"))));
        Assert.Equal(new[] { "lpv PV /root/lpv.img", "lpvh PVH /root/lpvh.img", "lhvm HVM /root/lhvm.img" }.OrderBy(s => s),
            detailed.Select(o => { dynamic d = o; return $"{(string)d.Name} {Text(d.Type)} {(string)d.Disks[0].Target}"; }).OrderBy(s => s));
        dynamic lpv = detailed.Single(o => (string)Prop(o, "Name")! == "lpv");
        Assert.Equal("bridge0", (string)lpv.Nics[0].Bridge);
        Assert.StartsWith("00:16:3e:", (string)lpv.Nics[0].Mac, StringComparison.Ordinal);

        Ok($"Suspend-XenDomain -ComputerName {H} lpv, lpvh");
        Assert.Equal(("--p---", "--p---"), (StateOf("lpv"), StateOf("lpvh")));
        Ok($"Get-XenDomain -ComputerName {H} lpv, lpvh | Resume-XenDomain");
        Assert.DoesNotContain('p', StateOf("lpv"));
        Assert.DoesNotContain('p', StateOf("lpvh"));

        var oldId = (int)Prop(Ok($"Get-XenDomain -ComputerName {H} lpv").Output[0], "Id")!;
        var restarted = Ok($"Restart-XenDomain -ComputerName {H} lpv -Wait -Timeout 240 -PassThru").Output;
        Assert.NotEqual(oldId, (int)Prop(Assert.Single(restarted), "Id")!);
        Assert.True(Running("lpv"));

        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -c GUEST-BOOTED /var/log/xen/console/guest-lpv.log").Stdout.Trim() == "2", 180), "lpv did not boot again");
        Ok($"Stop-XenDomain -ComputerName {H} lpv -Timeout 120");
        Assert.False(Running("lpv"));

        // An HVM guest without PV drivers (here: no OS at all) gets the ACPI event, ignores it, and -Force destroys it.
        // Without an OS, SeaBIOS reboots it every minute or two (on_reboot="restart"), and for a moment it does not
        // exist at all: start right after such a restart, so that the whole stop fits before the next one.
        Assert.True(LabFixture.WaitFor(() =>
        {
            var up = Lab.Ssh(H, "xl uptime lhvm | awk 'NR==2 {print $3}'").Stdout.Trim();
            return TimeSpan.TryParse(up, System.Globalization.CultureInfo.InvariantCulture, out var t) && t < TimeSpan.FromSeconds(30);
        }, 240), "lhvm did not (re)start");
        var stop = Ok($"Stop-XenDomain -ComputerName {H} lhvm -Timeout 15 -Force -Verbose");
        Assert.Contains(stop.Warnings, w => w.Contains("destroying", StringComparison.Ordinal));
        Assert.Contains(stop.Verbose, v => v.Contains("ACPI", StringComparison.Ordinal));
        Assert.False(Running("lhvm"));

        Ok($"Remove-XenDomain -ComputerName {H} lpvh -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertNothingLeft("lpvh");
        Ok($"Remove-XenDomain -ComputerName {H} lpv, lhvm -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertNothingLeft("lpv");
        AssertNothingLeft("lhvm");
    }

    [Fact]
    public void ARunningGuestsConfigVCpusUptimeMemoryAndVCpuCountAreReadAndChanged()
    {
        Lab.CleanGuests(H);
        Forget("lset");
        Ok($"New-XenDomU -ComputerName {H} lset -Type Pv -MemoryMB 160 -VCpus 2 {Kernel} -DiskPath /root/lset.img -DiskSizeGB 1 -NoNetwork -NoStart");
        // Raise the ceilings so that the guest can be given more than it starts with, then start it from the pipeline.
        Lab.SshOk(H, "printf 'maxmem = 192\\nmaxvcpus = 2\\n' >> /etc/xen/lset.cfg");
        Ok($"Get-XenDomUConfig -ComputerName {H} -Name lset | Start-XenDomain");
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-lset.log").ExitCode == 0, 180), "lset did not boot");

        // The config as the file says it.
        dynamic config = Assert.Single(Ok($"Get-XenDomain -ComputerName {H} lset | Get-XenDomUConfig").Output);
        Assert.Equal(("lset", "/etc/xen/lset.cfg", H), ((string)config.Name, (string)config.Path, (string)config.ComputerName));
        Assert.Equal((160L, 192L, 2), ((long?)config.MemoryMB, (long?)config.MaxMemoryMB, (int?)config.VCpus));

        // vCPUs and uptime, against raw xl.
        var id = Lab.SshOk(H, "xl domid lset").Trim();
        var vcpus = Ok($"Get-XenVCpu -ComputerName {H} lset").Output;
        var raw = Lab.SshOk(H, "xl vcpu-list lset").Split('\n').Skip(1).Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(raw.Select(t => t[2]), vcpus.Select(o => Prop(o, "VCpu")!.ToString()));
        Assert.All(vcpus, o => Assert.Equal(id, Prop(o, "Id")!.ToString()));
        // xl uptime prints H:MM:SS for a guest up less than a day.
        double RawUptime() => TimeSpan.Parse(Lab.SshOk(H, "xl uptime lset | awk 'NR==2 {print $3}'").Trim(), System.Globalization.CultureInfo.InvariantCulture).TotalSeconds;
        var before = RawUptime();
        var up = (TimeSpan)Prop(Assert.Single(Ok($"Get-XenUptime -ComputerName {H} lset").Output), "Uptime")!;
        var after = RawUptime();
        Assert.InRange(up.TotalSeconds, before - 1, after + 1);

        // Memory target and online vCPUs, read back from xenstore (what xl mem-set and xl vcpu-set write).
        var changed = Ok($"Set-XenDomain -ComputerName {H} lset -MemoryMB 96 -VCpus 1 -PassThru").Output;
        Assert.Equal("lset", (string)Prop(Assert.Single(changed), "Name")!);
        Assert.Equal("98304", Lab.SshOk(H, $"xenstore-read /local/domain/{id}/memory/target").Trim());
        Assert.Equal(("online", "offline"), (Lab.SshOk(H, $"xenstore-read /local/domain/{id}/cpu/0/availability").Trim(),
            Lab.SshOk(H, $"xenstore-read /local/domain/{id}/cpu/1/availability").Trim()));
        Assert.True(LabFixture.WaitFor(() => Lab.SshOk(H, "xl list lset | awk 'NR==2 {print $4}'").Trim() == "1", 60), "the guest kept 2 vCPUs online");

        // Out of range: one error naming the limit, nothing changed.
        var e = Assert.Single(Run($"Set-XenDomain -ComputerName {H} lset -MemoryMB 4096").Errors);
        Assert.Equal("lset", e.TargetObject);
        Assert.Equal("98304", Lab.SshOk(H, $"xenstore-read /local/domain/{id}/memory/target").Trim());

        Ok($"Remove-XenDomain -ComputerName {H} lset -RemoveConfig -RemoveStorage -Confirm:$false");
        AssertNothingLeft("lset");
        Assert.False(Running("lset"));
    }

    [Fact]
    public void TheHandbookFlowInstallsFromMediaThenRemovesIt()
    {
        Lab.CleanGuests(H);
        Forget("hb");
        var created = Ok($"New-XenDomU -ComputerName {H} hb -Type Hvm -MemoryMB 128 -DiskPath /root/hb.img -DiskSizeGB 1 -InstallMedia /var/lib/xen/test.iso -Vnc -Serial pty -NoNetwork");
        Assert.Equal("hb", (string)Prop(Assert.Single(created.Output), "Name")!);
        var config = Lab.SshOk(H, "cat /etc/xen/hb.cfg");
        Assert.Contains("devtype=cdrom, target=/var/lib/xen/test.iso", config, StringComparison.Ordinal);
        Assert.Contains("boot = \"dc\"", config, StringComparison.Ordinal);
        Assert.Contains("vnclisten = \"127.0.0.1\"", config, StringComparison.Ordinal);
        dynamic running = Assert.Single(Ok($"Get-XenDomain -ComputerName {H} hb -Detailed").Output);
        Assert.Contains(((IEnumerable<object>)running.Disks).Cast<dynamic>(), d => (bool)d.IsCdrom && (string)d.Target == "/var/lib/xen/test.iso");

        Ok($"Stop-XenDomain -ComputerName {H} hb -Timeout 10 -Force");
        Ok($"Set-XenDomUConfig -ComputerName {H} -Name hb -RemoveInstallMedia -Confirm:$false");
        config = Lab.SshOk(H, "cat /etc/xen/hb.cfg");
        Assert.DoesNotContain("cdrom", config, StringComparison.Ordinal);
        Assert.Contains("boot = \"c\"", config, StringComparison.Ordinal);
        Assert.Equal("1", Lab.SshOk(H, "ls /etc/xen/hb.cfg.xenps-*.bak | wc -l").Trim());

        var started = Ok($"Start-XenDomain -ComputerName {H} hb -PassThru");
        Assert.Equal("hb", (string)Prop(Assert.Single(started.Output), "Name")!);
        dynamic again = Assert.Single(Ok($"Get-XenDomain -ComputerName {H} hb -Detailed").Output);
        Assert.DoesNotContain(((IEnumerable<object>)again.Disks).Cast<dynamic>(), d => (bool)d.IsCdrom);
        Ok($"Remove-XenDomain -ComputerName {H} hb -RemoveConfig -RemoveStorage -Confirm:$false");
        Lab.Ssh(H, "rm -f /etc/xen/hb.cfg.xenps-*.bak");
        AssertNothingLeft("hb");
    }

    [Theory]
    [InlineData("dup", "XenDomainExists", ErrorCategory.ResourceExists)]
    [InlineData("media", "XenInstallMediaNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("memory", "XenInsufficientMemory", ErrorCategory.ResourceUnavailable)]
    [InlineData("badname", "XenInvalidDomainName", ErrorCategory.InvalidArgument)]
    [InlineData("nobridge", "XenBridgeNotFound", ErrorCategory.ObjectNotFound)]
    public void FailuresAreClearAndLeaveNothingBehind(string scenario, string id, ErrorCategory category)
    {
        Lab.CleanGuests(H);
        Lab.XlCreate(H, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        var name = scenario == "dup" ? "tiny" : "f" + scenario;
        Forget(name == "tiny" ? "ftiny" : name);
        var args = scenario switch
        {
            "dup" => "-Name tiny -MemoryMB 64",
            "media" => $"-Name {name} -MemoryMB 64 -InstallMedia /var/lib/xen/nosuch.iso",
            "memory" => $"-Name {name} -MemoryMB 60000",
            "badname" => "-Name 'bad name; xl destroy tiny' -MemoryMB 64",
            _ => $"-Name {name} -MemoryMB 64 -Bridge nosuchbr0",
        };
        var before = Lab.SshOk(H, "ls /etc/xen /root | sort");
        var r = Run($"New-XenDomU -ComputerName {H} {args} -Type Hvm -DiskPath /root/{name}.img -DiskSizeGB 1");
        var e = Assert.Single(r.Errors);
        Assert.Equal(id + ",XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Equal(category, e.CategoryInfo.Category);
        Assert.Equal(before, Lab.SshOk(H, "ls /etc/xen /root | sort"));
        Assert.True(Running("tiny"), "the existing domain was touched");
        if (name != "tiny") Assert.False(Running(name));
        Lab.CleanGuests(H);
    }

    [Fact]
    public void AFailedXlCreateIsRolledBack()
    {
        Lab.CleanGuests(H);
        Forget("rb");
        // /etc/hostname exists but is no kernel: the checks pass, xl create fails for real, the rollback undoes it all.
        var r = Run($"New-XenDomU -ComputerName {H} rb -Type Pv -MemoryMB 64 -Kernel /etc/hostname -DiskPath /root/rb.img -DiskSizeGB 1");
        var e = Assert.Single(r.Errors);
        Assert.EndsWith(",XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("the step 'xl create /etc/xen/rb.cfg' failed", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Rolled back:", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("deleted /etc/xen/rb.cfg, deleted /root/rb.img", e.Exception.Message, StringComparison.Ordinal);
        AssertNothingLeft("rb");
    }

    [Fact]
    public void ABadConfigIsReportedWithItsLineBeforeXlRuns()
    {
        Lab.WriteFile(H, "/root/bad.cfg", "name = \"bad\"\nmemory = 128 128\n");
        var r = Run($"Start-XenDomain -ComputerName {H} -Path /root/bad.cfg");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenConfigInvalid,XenPS.Commands.StartXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("/root/bad.cfg:2:", e.Exception.Message, StringComparison.Ordinal);
        Assert.False(Running("bad"));
    }

    [Fact]
    public void AutostartStartsInOrderAtBootAndStopsInReverse()
    {
        Lab.CleanGuests(H);
        Forget("a1", "a2");
        Ok($"New-XenDomU -ComputerName {H} a1 -Type Pv -MemoryMB 128 {Kernel} -NoNetwork -NoStart");
        Ok($"New-XenDomU -ComputerName {H} a2 -Type Pv -MemoryMB 128 {Kernel} -NoNetwork -NoStart");
        Ok($"Enable-XenDomainAutostart -ComputerName {H} a2 -Order 10 -Confirm:$false");
        Ok($"'a1' | Enable-XenDomainAutostart -ComputerName {H} -Order 20 -Confirm:$false");
        var listed = Ok($"Get-XenDomainAutostart -ComputerName {H}").Output;
        Assert.Equal(new[] { "a2 10 /etc/xen/a2.cfg", "a1 20 /etc/xen/a1.cfg" },
            listed.Select(o => $"{Prop(o, "Name")} {Prop(o, "Order")} {Prop(o, "ConfigPath")}"));
        Assert.Contains("xendomains_enable=\"YES\"", Lab.SshOk(H, "cat /etc/rc.conf"), StringComparison.Ordinal);
        Assert.Equal("-r-xr-xr-x", Lab.SshOk(H, "stat -c %A /usr/local/etc/rc.d/xendomains").Trim());

        // Boot: the installed rc.d script with a stand-in for FreeBSD's rc.subr.
        Lab.WriteFile(H, "/etc/rc.subr", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "rc.subr")));
        var start = Lab.SshOk(H, "env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin sh /usr/local/etc/rc.d/xendomains start", 300);
        Assert.Matches(@"(?s)starting a2.*starting a1", start);
        var ids = Lab.SshOk(H, "xl domid a2; xl domid a1").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.True(ids[0] < ids[1], "a2 (order 10) must start before a1 (order 20)");
        Assert.Contains("a1 is running", Lab.SshOk(H, "env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin sh /usr/local/etc/rc.d/xendomains status"), StringComparison.Ordinal);
        Assert.Contains("a2 is already running", Lab.SshOk(H, "env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin sh /usr/local/etc/rc.d/xendomains start", 120), StringComparison.Ordinal);

        // Shutdown: reverse order; guests that do not stop in time are destroyed.
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-a1.log && grep -q GUEST-BOOTED /var/log/xen/console/guest-a2.log").ExitCode == 0, 180));
        var stop = Lab.SshOk(H, "env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin xendomains_shutdown_timeout=60 sh /usr/local/etc/rc.d/xendomains stop", 300);
        Assert.Matches(@"(?s)shutting down a1.*shutting down a2", stop);
        Assert.False(Running("a1"));
        Assert.False(Running("a2"));

        Ok($"Disable-XenDomainAutostart -ComputerName {H} a1 -Confirm:$false");
        Assert.Equal(new[] { "a2" }, Ok($"Get-XenDomainAutostart -ComputerName {H}").Output.Select(o => (string)Prop(o, "Name")!));
        Ok($"Disable-XenDomainAutostart -ComputerName {H} a2 -Confirm:$false");
        Forget("a1", "a2");
    }
}
