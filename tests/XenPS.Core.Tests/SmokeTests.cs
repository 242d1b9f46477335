using XenPS.Core.Parsing;
using Xunit;

namespace XenPS.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void ParsesCapturedXlList()
    {
        var d = XlListParser.Parse(TestData.Stdout("xl-list-paused"));
        Assert.Equal(2, d.Count);
        Assert.Equal("guest1", d[1].Name);
        Assert.Equal(XenDomainState.Paused, d[1].State);
    }
}
