using DiffPlex.Renderer;

namespace XenPS.Core.Execution;

/// <summary>Unified diffs of file changes (for -WhatIf and Verbose), made with DiffPlex.</summary>
public static class TextDiff
{
    /// <summary>A unified diff from the old to the new text of <paramref name="path"/>; empty when they are equal.</summary>
    public static string Unified(string path, string? oldText, string newText)
    {
        if (oldText == newText) return string.Empty;
        return UnidiffRenderer.GenerateUnidiff(oldText ?? string.Empty, newText, oldText is null ? "/dev/null" : "a" + path, "b" + path, false, false, 3);
    }
}
