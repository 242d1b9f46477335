using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>Get-XenHost and Get-XenDomain against a real Xen Dom0 over SSH, checked against raw xl output.</summary>
public sealed class InventoryTests : LabTest
{
    private const string H = LabFixture.Host1;

    public InventoryTests(LabFixture lab) : base(lab) { }

    private sealed record Row(string Name, int Id, long Mem, int VCpus, string State, double Time);

    /// <summary>The oracle: xl list rows split on whitespace (lab names have no spaces).</summary>
    private List<Row> RawList() => Lab.SshOk(H, "xl list").Split('\n').Skip(1)
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(t => t.Length >= 6)
        .Select(t => new Row(t[0], int.Parse(t[1], CultureInfo.InvariantCulture), long.Parse(t[2], CultureInfo.InvariantCulture),
            int.Parse(t[3], CultureInfo.InvariantCulture), t[4], double.Parse(t[5], CultureInfo.InvariantCulture)))
        .ToList();

    [Fact]
    public void GetXenHostMatchesXlInfoReadOverSsh()
    {
        var raw = Lab.SshOk(H, "xl info").Split('\n').Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2)).GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        var r = Run($"Get-XenHost -ComputerName {H}");
        Assert.Empty(r.Errors);
        dynamic host = Assert.Single(r.Output);
        Assert.Equal(H, (string)host.ComputerName);
        Assert.Equal(raw["host"], (string)host.HostName);
        Assert.Equal(H, (string)host.HostName);
        Assert.Equal(raw["xen_version"], (string)host.XenVersion);
        Assert.StartsWith("4.17.", (string)host.XenVersion, StringComparison.Ordinal);
        Assert.Equal(raw["release"], (string)host.Release);
        Assert.Equal(int.Parse(raw["nr_cpus"], CultureInfo.InvariantCulture), (int?)host.NrCpus);
        Assert.Equal(long.Parse(raw["total_memory"], CultureInfo.InvariantCulture), (long?)host.TotalMemoryMB);
        Assert.Equal(raw["xen_commandline"], (string)host.XenCommandLine);
        Assert.Equal(raw["xen_scheduler"], (string)host.Scheduler);
        Assert.Equal(raw["virt_caps"], ((object)host.VirtCaps).ToString());
        Assert.True((bool)host.VirtCaps.HVM);
        Assert.InRange((long)host.FreeMemoryMB, 1, (long)host.TotalMemoryMB);
    }

    [Fact]
    public void GetXenDomainShowsExactlyWhatXlListShows()
    {
        Lab.CleanGuests(H);
        Lab.XlCreate(H, "/etc/xen/test/guest1.cfg", "guest1");
        Lab.XlCreate(H, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-guest1.log").ExitCode == 0, 120), "guest1 did not boot");

        var before = RawList();
        var r = Run($"Get-XenDomain -ComputerName {H}");
        var after = RawList();
        Assert.Empty(r.Errors);
        Assert.Equal(after.Select(x => x.Name), r.Output.Select(o => (string)Prop(o, "Name")!));
        foreach (var o in r.Output)
        {
            dynamic d = o;
            var b = before.Single(x => x.Name == (string)d.Name);
            var a = after.Single(x => x.Name == (string)d.Name);
            Assert.Equal(a.Id, (int)d.Id);
            Assert.Equal(H, (string)d.ComputerName);
            if (a.Mem == b.Mem) Assert.Equal(a.Mem, (long)d.MemoryMB);
            if (a.VCpus == b.VCpus) Assert.Equal(a.VCpus, (int)d.VCpus);
            // A live guest flips between running, blocked and runnable-but-waiting ("------", on a loaded host) from
            // one instant to the next: when xl saw one of these both times, ours (read in between) may be any of
            // them; any other state must match.
            string[] live = { "r-----", "-b----", "------" };
            if (a.State == b.State)
            {
                if (live.Contains(a.State)) Assert.Contains((string)d.StateText, live);
                else Assert.Equal(a.State, (string)d.StateText);
            }
            // CPU time only grows: ours was read between the two raw reads.
            Assert.InRange(((TimeSpan)d.CpuTime).TotalSeconds, b.Time - 0.05, a.Time + 0.05);
        }
        dynamic tiny = r.Output.Single(o => (string)Prop(o, "Name")! == "tiny");
        Assert.Equal("--p---", (string)tiny.StateText);
        Assert.Equal("Paused", Text(tiny.State));
        Assert.Equal(32L, (long)tiny.MemoryMB);
        dynamic dom0 = r.Output.Single(o => (int)Prop(o, "Id")! == 0);
        Assert.Equal("Domain-0", (string)dom0.Name);
        Assert.True(((object)dom0.State).ToString()!.Contains("Running", StringComparison.Ordinal));
        Lab.CleanGuests(H);
    }

    [Fact]
    public void StatesRunningBlockedPausedShutdownAndCrashedAreDecoded()
    {
        Lab.CleanGuests(H);
        // A PV guest that stays after poweroff, and a PVH guest without rdtscp=0 (crashes in early boot under TCG).
        Lab.WriteFile(H, "/root/keep.cfg", "type = \"pv\"\nname = \"keep\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nramdisk = \"/var/lib/xen/guest-initrd.gz\"\n" +
                                           "extra = \"console=hvc0 rdinit=/sbin/init\"\nmemory = 128\nvcpus = 1\non_poweroff = \"preserve\"\n");
        Lab.WriteFile(H, "/root/crash.cfg", "type = \"pvh\"\nname = \"crash\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nramdisk = \"/var/lib/xen/guest-initrd.gz\"\n" +
                                            "extra = \"console=hvc0 rdinit=/sbin/init\"\nmemory = 128\nvcpus = 1\non_crash = \"preserve\"\n");
        Lab.SshOk(H, "rm -f /var/log/xen/console/guest-keep.log");
        Lab.XlCreate(H, "/root/keep.cfg", "keep");
        Lab.XlCreate(H, "/root/crash.cfg", "crash");
        Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, "grep -q GUEST-BOOTED /var/log/xen/console/guest-keep.log").ExitCode == 0, 120), "keep did not boot");

        // An idle booted guest is mostly blocked (waiting for events); whenever xl shows -b----, State says Blocked.
        PSObject? blocked = null;
        Assert.True(LabFixture.WaitFor(() => (string)Prop(blocked = Single("keep"), "StateText")! == "-b----", 60), "keep never showed -b----");
        Assert.Equal("Blocked", Text(Prop(blocked!, "State")));

        Lab.SshOk(H, "xl pause keep");
        // Paused, and, when its vCPU was blocked at the moment of the pause, also blocked (xl shows -bp---: seen in CI):
        // State decodes exactly what xl shows.
        var paused = Single("keep");
        var pausedText = (string)Prop(paused, "StateText")!;
        Assert.Contains(pausedText, new[] { "--p---", "-bp---" });
        Assert.Equal(pausedText == "--p---" ? "Paused" : "Blocked, Paused", Text(Prop(paused, "State")));
        Lab.SshOk(H, "xl unpause keep");

        Lab.SshOk(H, "xl shutdown keep");
        Assert.True(LabFixture.WaitFor(() => StateOf("keep") == "---s--", 60), "keep never showed ---s--: " + StateOf("keep"));
        var off = Single("keep");
        Assert.Equal(("Shutdown", "PowerOff"), (Text(Prop(off, "State")), Text(Prop(off, "ShutdownReason"))));

        Assert.True(LabFixture.WaitFor(() => StateOf("crash") == "---sc-", 120), "crash never showed ---sc-: " + StateOf("crash"));
        var crashed = Single("crash");
        Assert.Equal(("Shutdown, Crashed", "Crash"), (Text(Prop(crashed, "State")), Text(Prop(crashed, "ShutdownReason"))));

        var dom0 = Run($"Get-XenDomain -ComputerName {H} -Id 0 | Where-Object {{ $_.State -band [XenPS.XenDomainState]::Running }}");
        Assert.Single(dom0.Output);
        Lab.CleanGuests(H);
    }

    private string StateOf(string name) => Lab.Ssh(H, $"xl list {name} | awk 'NR==2 {{print $5}}'").Stdout.Trim();

    private PSObject Single(string name)
    {
        var r = Run($"Get-XenDomain -ComputerName {H} -Name {name}");
        Assert.Empty(r.Errors);
        return Assert.Single(r.Output);
    }

    [Fact]
    public void DetailedMatchesXlListLong()
    {
        Lab.CleanGuests(H);
        Lab.SshOk(H, "truncate -s 64M /root/d.img");
        Lab.XlCreate(H, "/etc/xen/test/pvdisk.cfg", "pvdisk");
        Lab.XlCreate(H, "/etc/xen/test/pvh1.cfg", "pvh1");
        foreach (var g in new[] { "pvdisk", "pvh1" })
        {
            Assert.True(LabFixture.WaitFor(() => Lab.Ssh(H, $"grep -q GUEST-BOOTED /var/log/xen/console/guest-{g}.log").ExitCode == 0, 150), g + " did not boot");
        }
        var json = JsonDocument.Parse(Lab.SshOk(H, "xl list -l"));
        var r = Run($"Get-XenDomain -ComputerName {H} -Detailed");
        var idsAfter = RawList().Select(x => x.Id).ToHashSet();
        Assert.Empty(r.Errors);
        var compared = new List<string>();
        foreach (var entry in json.RootElement.EnumerateArray())
        {
            var id = entry.GetProperty("domid").GetInt32();
            // A domain that went away (or restarted under a new id) between the two reads cannot be compared.
            if (!idsAfter.Contains(id)) continue;
            compared.Add(entry.GetProperty("config").GetProperty("c_info").GetProperty("name").GetString()!);
            var config = entry.GetProperty("config");
            dynamic d = r.Output.Single(o => (int)Prop(o, "Id")! == id);
            Assert.True((bool)d.IsDetailed);
            Assert.Equal(config.GetProperty("c_info").GetProperty("name").GetString(), (string)d.Name);
            Assert.Equal(config.GetProperty("c_info").GetProperty("type").GetString()!.ToUpperInvariant(), Text(d.Type));
            var bInfo = config.GetProperty("b_info");
            Assert.Equal(bInfo.GetProperty("max_memkb").GetInt64() / 1024, (long?)d.MaxMemoryMB);
            if (config.GetProperty("c_info").TryGetProperty("uuid", out var uuid)) Assert.Equal(Guid.Parse(uuid.GetString()!), (Guid?)d.Uuid);
            if (bInfo.TryGetProperty("kernel", out var kernel)) Assert.Equal(kernel.GetString(), (string)d.Kernel);
            var disks = config.TryGetProperty("disks", out var ds) ? ds.EnumerateArray().ToList() : new List<JsonElement>();
            Assert.Equal(disks.Count, ((System.Collections.ICollection)d.Disks).Count);
            for (var i = 0; i < disks.Count; i++)
            {
                Assert.Equal(disks[i].GetProperty("pdev_path").GetString(), (string)d.Disks[i].Target);
                Assert.Equal(disks[i].GetProperty("vdev").GetString(), (string)d.Disks[i].Vdev);
            }
            var nics = config.TryGetProperty("nics", out var ns) ? ns.EnumerateArray().ToList() : new List<JsonElement>();
            Assert.Equal(nics.Count, ((System.Collections.ICollection)d.Nics).Count);
            for (var i = 0; i < nics.Count; i++)
            {
                Assert.Equal(nics[i].GetProperty("mac").GetString(), (string)d.Nics[i].Mac);
                Assert.Equal(nics[i].GetProperty("bridge").GetString(), (string)d.Nics[i].Bridge);
            }
        }
        Assert.Contains("Domain-0", compared);
        Assert.Contains("pvdisk", compared);
        Assert.Contains("pvh1", compared);
        dynamic pvdisk = r.Output.Single(o => (string)Prop(o, "Name")! == "pvdisk");
        Assert.Equal("/root/d.img", (string)pvdisk.Disks[0].Target);
        Assert.Equal("bridge0", (string)pvdisk.Nics[0].Bridge);
        Assert.Equal("00:16:3e:77:00:03", (string)pvdisk.Nics[0].Mac);
        Assert.Equal("PVH", Text(r.Output.Single(o => (string)Prop(o, "Name")! == "pvh1").Properties["Type"].Value));
        Lab.CleanGuests(H);
    }

    [Fact]
    public void AnUnknownDomainIsObjectNotFound()
    {
        var r = Run($"Get-XenDomain -ComputerName {H} -Name nosuchguest");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Equal("nosuchguest", e.TargetObject);
    }

    [Fact]
    public void AnUnreachableHostIsAConnectionErrorForThatHostOnly()
    {
        // Port 1 on loopback: nothing listens, ssh gets "Connection refused".
        var r = Run($"Get-XenDomain -ComputerName 127.0.0.1:1, {H} -Name Domain-0");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenHostUnreachable,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
        Assert.Equal("127.0.0.1:1", e.TargetObject);
        Assert.Contains("Connection refused", e.Exception.Message, StringComparison.Ordinal);
        // The other host still answered.
        Assert.Equal(H, (string)Prop(Assert.Single(r.Output), "ComputerName")!);
    }

    [Fact]
    public void AHostWhereXlIsMissingSaysXenToolsAreNotInstalled()
    {
        const string h = LabFixture.Host2;
        var xl = Lab.SshOk(h, "command -v xl").Trim();
        Lab.SshOk(h, $"mv {xl} {xl}.off");
        try
        {
            var r = Run($"Get-XenDomain -ComputerName {h}");
            var e = Assert.Single(r.Errors);
            Assert.Equal("XenToolsNotInstalled,XenPS.Commands.GetXenDomainCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.NotInstalled, e.CategoryInfo.Category);
            Assert.Equal(h, e.TargetObject);
            Assert.Contains(h, e.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Lab.SshOk(h, $"mv {xl}.off {xl}");
        }
    }

    [Fact]
    public void TabCompletionListsTheRemoteHostsDomains()
    {
        Lab.CleanGuests(H);
        Lab.XlCreate(H, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        var script = $"Get-XenDomain -ComputerName {H} -Name ti";
        var r = Run($"(TabExpansion2 -inputScript '{script}' -cursorColumn {script.Length}).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(new[] { "tiny" }, r.Output.Select(o => (string)o.BaseObject));
        Lab.CleanGuests(H);
    }
}
