using XenPS.Core.FreeBsd;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

public class MenuRcLocalTests
{
    [Fact]
    public void CreatesTheFileContent()
    {
        var r = MenuRcLocal.EnsureXenInclude(string.Empty);
        Assert.True(r.Changed);
        Assert.Equal("try-include /boot/xen.4th\n", r.Text);
        Assert.Null(r.Before);
        Assert.Equal("try-include /boot/xen.4th", r.After);
    }

    [Theory]
    [InlineData("try-include /boot/xen.4th\n")]
    [InlineData("\\ local menu\ntry-include /boot/xen.4th\n")]
    [InlineData("  try-include\t/boot/xen.4th   \\ Xen\r\n")]
    [InlineData("include /boot/xen.4th")]
    public void PresentOnceIsLeftAlone(string text)
    {
        var r = MenuRcLocal.EnsureXenInclude(text);
        Assert.False(r.Changed);
        Assert.Same(text, r.Text);
        Assert.NotNull(r.Before);
    }

    [Theory]
    [InlineData("\\ mine\n", "\\ mine\ntry-include /boot/xen.4th\n")]
    [InlineData("\\ try-include /boot/xen.4th\n", "\\ try-include /boot/xen.4th\ntry-include /boot/xen.4th\n")]
    [InlineData("try-include /boot/other.4th", "try-include /boot/other.4th\ntry-include /boot/xen.4th")]
    [InlineData("a\r\n", "a\r\ntry-include /boot/xen.4th\r\n")]
    public void AppendsKeepingTheRest(string text, string expected) => Assert.Equal(expected, MenuRcLocal.EnsureXenInclude(text).Text);

    [Fact]
    public void DuplicatesAreRemoved()
    {
        var r = MenuRcLocal.EnsureXenInclude("try-include /boot/xen.4th\n\\ x\ntry-include /boot/xen.4th\ninclude /boot/xen.4th\n");
        Assert.True(r.Changed);
        Assert.Equal("try-include /boot/xen.4th\n\\ x\n", r.Text);
    }
}
