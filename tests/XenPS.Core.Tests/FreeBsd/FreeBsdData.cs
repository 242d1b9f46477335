using System.Text;
using Xunit;

namespace XenPS.Core.Tests.FreeBsd;

/// <summary>The real FreeBSD files of Data/freebsd-14-etc (see its SOURCES.md) and the expected results of the edits.</summary>
internal static class FreeBsdData
{
    public static string Folder => Path.Combine(TestData.Root, "freebsd-14-etc");

    /// <summary>A reference file, byte for byte (they are ASCII).</summary>
    public static string Read(string name) => Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Folder, name)));

    public static string Expected(string name) => Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Folder, "expected", name)));

    /// <summary>Lines with their terminators, so that a changed "\n" or "\r\n" shows.</summary>
    public static List<string> LinesWithEndings(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl + 1;
            lines.Add(text.Substring(start, end - start));
            start = end;
        }
        return lines;
    }

    /// <summary>Asserts that <paramref name="result"/> is <paramref name="original"/> with only the lines at the given
    /// result indexes inserted, every other line identical (terminator included) and in the same order.</summary>
    public static void AssertOnlyInserted(string original, string result, params int[] insertedAt)
    {
        var kept = LinesWithEndings(result).Where((_, i) => !insertedAt.Contains(i)).ToList();
        Assert.Equal(LinesWithEndings(original), kept);
    }

    /// <summary>Asserts that the two texts have the same lines except at the given indexes.</summary>
    public static void AssertOnlyReplaced(string original, string result, params int[] replacedAt)
    {
        var a = LinesWithEndings(original);
        var b = LinesWithEndings(result);
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            if (replacedAt.Contains(i)) Assert.NotEqual(a[i], b[i]);
            else Assert.Equal(a[i], b[i]);
        }
    }
}
