using DiffPlex.Renderer;

namespace XenPS.Core.Execution;

/// <summary>Unified diffs of file changes (for -WhatIf and Verbose), made with DiffPlex.</summary>
public static class TextDiff
{
    /// <summary>A unified diff from the old to the new text of <paramref name="path"/>; empty when they are equal.</summary>
    public static string Unified(string path, string? oldText, string newText)
    {
        if (oldText == newText) return string.Empty;
        // DiffPlex splits on '\n', so a final newline would become an empty last line and widen every hunk by one:
        // compare the texts without it (as diff -u does) when both end with one.
        var a = oldText ?? string.Empty;
        var b = newText;
        if (a.EndsWith("\n", System.StringComparison.Ordinal) && b.EndsWith("\n", System.StringComparison.Ordinal))
        {
            a = a.Substring(0, a.Length - 1);
            b = b.Substring(0, b.Length - 1);
        }
        return UnidiffRenderer.GenerateUnidiff(a, b, oldText is null ? "/dev/null" : "a" + path, "b" + path, false, false, 3);
    }
}
