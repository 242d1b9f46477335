using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Execution;

public class TextDiffTests
{
    [Fact]
    public void ShowsAUnifiedDiffOfTheChangedLine()
    {
        var diff = TextDiff.Unified("/etc/rc.conf", "a=1\nb=2\nc=3\n", "a=1\nb=\"YES\"\nc=3\n");
        Assert.Contains("--- a/etc/rc.conf", diff, StringComparison.Ordinal);
        Assert.Contains("+++ b/etc/rc.conf", diff, StringComparison.Ordinal);
        Assert.Contains("-b=2", diff, StringComparison.Ordinal);
        Assert.Contains("+b=\"YES\"", diff, StringComparison.Ordinal);
        Assert.Contains(" a=1", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void HunkHeadersCountLinesLikeDiffU()
    {
        // diff -u of these two texts says: @@ -1,3 +1,3 @@
        var diff = TextDiff.Unified("/f", "a\nb\nc\n", "a\nB\nc\n");
        Assert.Contains("@@ -1,3 +1,3 @@", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void EqualTextsGiveNoDiff() => Assert.Equal(string.Empty, TextDiff.Unified("/x", "same\n", "same\n"));

    [Fact]
    public void ANewFileIsDiffedAgainstDevNull() => Assert.Contains("--- /dev/null", TextDiff.Unified("/x", null, "new\n"), StringComparison.Ordinal);
}
