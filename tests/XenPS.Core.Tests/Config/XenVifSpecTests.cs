using Xunit;

namespace XenPS.Core.Tests.Config;

public class XenVifSpecTests
{
    [Fact]
    public void ParsesEveryKnownOption()
    {
        var vif = XenVifSpec.Parse("mac=00:16:3e:01:02:03, bridge=bridge0,model=e1000,type=ioemu,vifname=web01-0,ip=192.0.2.10,script=vif-bridge,rate=10Mb/s@20ms,mtu=9000,devid=1,backend=dom0,gatewaydev=em0");
        Assert.Equal("00:16:3e:01:02:03", vif.Mac);
        Assert.Equal("bridge0", vif.Bridge);
        Assert.Equal("e1000", vif.Model);
        Assert.Equal("ioemu", vif.Type);
        Assert.Equal("web01-0", vif.VifName);
        Assert.Equal("192.0.2.10", vif.Ip);
        Assert.Equal("vif-bridge", vif.Script);
        Assert.Equal("10Mb/s@20ms", vif.Rate);
        Assert.Equal(9000, vif.Mtu);
        Assert.Equal(1, vif.DevId);
        Assert.Equal("dom0", vif.Backend);
        Assert.Equal("em0", vif.GatewayDev);
        Assert.Empty(vif.UnknownKeys);
        Assert.Empty(vif.GetProblems());
    }

    [Fact]
    public void KeepsUnknownOptionsAndOrder()
    {
        var vif = XenVifSpec.Parse("bridge=bridge0,speed=fast,trusted,mac=00:16:3e:00:00:01");
        Assert.Equal(new[] { "speed" }, vif.UnknownKeys);
        Assert.Equal("bridge=bridge0,speed=fast,trusted,mac=00:16:3e:00:00:01", vif.ToSpec());
        Assert.False(vif.IsModified);
        Assert.Equal("fast", vif.Get("speed"));
        Assert.True(vif.Has("trusted"));
        Assert.Null(vif.Get("trusted"));

        vif.Bridge = "bridge1";
        vif.Mtu = 1500;
        vif.SetFlag("trusted", false);
        Assert.True(vif.IsModified);
        Assert.Equal("bridge=bridge1,speed=fast,mac=00:16:3e:00:00:01,mtu=1500", vif.ToString());
        vif.Mac = null;
        Assert.Equal("bridge=bridge1,speed=fast,mtu=1500", vif.ToString());
    }

    [Fact]
    public void UnchangedSpecsKeepTheirText()
    {
        var vif = XenVifSpec.Parse("mac=00:16:3E:74:34:32, bridge=bridge0");
        Assert.Equal("mac=00:16:3E:74:34:32, bridge=bridge0", vif.ToString());
        Assert.Equal("mac=00:16:3E:74:34:32,bridge=bridge0", vif.ToSpec());
        Assert.False(vif.IsModified);
    }

    [Fact]
    public void RefusesValuesThatWouldBreakTheSpec()
    {
        var vif = new XenVifSpec();
        Assert.Throws<ArgumentException>(() => vif.Set("ip", "192.0.2.1,192.0.2.2"));
        Assert.Throws<ArgumentException>(() => vif.Set("a=b", "c"));
    }

    [Fact]
    public void ReportsBadValues()
    {
        var vif = XenVifSpec.Parse("mac=00:16:3e:00:01,type=netfront,mtu=big");
        var problems = vif.GetProblems();
        Assert.Equal(3, problems.Count);
    }
}
