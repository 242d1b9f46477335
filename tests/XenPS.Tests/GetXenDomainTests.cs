using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

/// <summary>What the Pester suite (tests/pester/Inventory.Tests.ps1, Module.Tests.ps1) cannot reach: the host text of
/// Out-Default, the Verbose and Debug streams of one call, and Ctrl+C through PowerShell.Stop().</summary>
public sealed class GetXenDomainTests : EngineTest
{
    [Fact]
    public void DetailedMergesXlListLong()
    {
        Xl.Map("list", "xl-list-after-create").Map("list -l", "xl-list-l-guest1");
        var r = Run("Get-XenDomain -Detailed");
        Assert.Empty(r.Errors);
        dynamic guest = r.Output.Single(o => (string)Prop(o, "Name")! == "guest1");
        Assert.True((bool)guest.IsDetailed);
        Assert.Equal("PV", Text(guest.Type));
        Assert.Equal(Guid.Parse("890fbdea-8c5b-4103-b72b-8f663dc81512"), (Guid?)guest.Uuid);
        Assert.Equal(128L, (long?)guest.MaxMemoryMB);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", (string)guest.Kernel);
        Assert.Equal("restart", (string)guest.OnReboot);
        Assert.Equal("destroy", (string)guest.OnPoweroff);
        // Domain-0 is not in this xl list -l capture: it is tolerated and shown without details.
        dynamic dom0 = r.Output.Single(o => (int)Prop(o, "Id")! == 0);
        Assert.False((bool)dom0.IsDetailed);
        Assert.Contains("list -l", Xl.Calls);
    }

    [Fact]
    public void VerboseShowsTheCommandLineAndDebugTheRawOutput()
    {
        var r = Run("Get-XenDomain -Verbose -Debug -ErrorAction Stop");
        Assert.Contains(r.Verbose, v => v == "Running: " + Xl.ScriptPath + " list" || v == "Running: xl list");
        var debug = Assert.Single(r.Debug);
        Assert.Contains("exit code 0", debug, StringComparison.Ordinal);
        Assert.Contains("guest1                                       1   128     1     --p---      22.4", debug, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultTableReadsLikeXlList()
    {
        Run("Get-XenDomain | Out-Default");
        var lines = Host.Text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.False(Host.Text.Contains('\u001b'));
        // The host is the group header; the table is xl list's columns (80 columns wide: tests/pester/Module.Tests.ps1).
        Assert.Matches(@"^\s*ComputerName: localhost$", lines[0]);
        Assert.Matches(@"^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$", lines[1]);
        Assert.Matches(@"^Domain-0\s+0\s+1024\s+2\s+r-----\s+157\.8$", lines[3]);
        Assert.Matches(@"^guest1\s+1\s+128\s+1\s+--p---\s+22\.4$", lines[4]);
    }





    [Fact]
    public void CtrlCStopsTheCommandAndKillsXl()
    {
        Xl.Sleep("list", 60);
        using var ps = PowerShell.Create();
        ps.Runspace = Engine.Runspace;
        ps.AddCommand("Get-XenDomain");
        var started = DateTime.UtcNow;
        var async = ps.BeginInvoke();
        var pidFile = Path.Combine(Xl.Directory, "sleep.pid");
        while (!File.Exists(pidFile) && DateTime.UtcNow - started < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        Assert.True(File.Exists(pidFile), "the fake xl never started");
        ps.Stop();
        Assert.True(async.IsCompleted);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // The child must be gone (killed by the cancellation), not left running for 60 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists("/proc/" + pid) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.False(Directory.Exists("/proc/" + pid), "xl was still running after Ctrl+C");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }
}
