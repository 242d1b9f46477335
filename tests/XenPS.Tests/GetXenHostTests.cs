using Xunit;

namespace XenPS.Tests;

public sealed class GetXenHostTests : EngineTest
{
    [Fact]
    public void ReturnsTheFactsOfXlInfo()
    {
        var r = Run("Get-XenHost");
        Assert.Empty(r.Errors);
        var o = Assert.Single(r.Output);
        Assert.Equal("XenPS.XenHost", o.TypeNames[0]);
        dynamic host = o;
        Assert.Equal("xen-dom0", (string)host.HostName);
        Assert.Equal("4.17.7", (string)host.XenVersion);
        Assert.Equal("6.1.0-56-amd64", (string)host.Release);
        Assert.Equal(2, (int?)host.NrCpus);
        Assert.Equal(2250.006, (double?)host.CpuMHz);
        Assert.Equal(4095L, (long?)host.TotalMemoryMB);
        Assert.Equal(3028L, (long?)host.FreeMemoryMB);
        Assert.True((bool)host.VirtCaps.HVM);
        Assert.True((bool)host.VirtCaps.HAP);
        Assert.False((bool)host.VirtCaps.Iommu);
        Assert.Equal("credit2", (string)host.Scheduler);
        Assert.Equal("dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot smap=0", (string)host.XenCommandLine);
        Assert.Equal("", (string)host.Info["xen_changeset"]);
        Assert.Equal("localhost", (string)host.ComputerName);
    }

    [Fact]
    public void TypesFileAddsUsedMemory()
    {
        var r = Run("(Get-XenHost).UsedMemoryMB");
        Assert.Equal(4095L - 3028L, Assert.Single(r.Output).BaseObject);
    }

    [Fact]
    public void ListViewShowsVersionMemoryAndCapabilities()
    {
        Run("Get-XenHost | Out-Default");
        var text = Host.Text;
        Assert.Matches(@"(?m)^XenVersion\s+:\s+4\.17\.7\s*$", text);
        Assert.Matches(@"(?m)^FreeMemoryMB\s+:\s+3028\s*$", text);
        Assert.Matches(@"(?m)^VirtCaps\s+:\s+pv hvm hap gnttab-v1 gnttab-v2\s*$", text);
        Assert.Matches(@"(?m)^HVM\s+:\s+True\s*$", text);
        Assert.Matches(@"(?m)^IOMMU\s+:\s+False\s*$", text);
    }

    [Fact]
    public void VCpusAndUptimes()
    {
        var r = Run("Get-XenVCpu guest1");
        dynamic vcpu = Assert.Single(r.Output);
        Assert.Equal((1, 0, (int?)0, "Blocked"), ((int)vcpu.Id, (int)vcpu.VCpu, (int?)vcpu.Cpu, Text(vcpu.State)));
        r = Run("Get-XenVCpu");
        Assert.Equal(3, r.Output.Count);
        r = Run("Get-XenUptime");
        dynamic up = Assert.Single(r.Output);
        Assert.Equal(("Domain-0", TimeSpan.FromSeconds(87)), ((string)up.Name, (TimeSpan)up.Uptime));
    }
}
