namespace XenPS.Core.FreeBsd;

/// <summary>The outcome of one config-file edit: the whole new text, whether it differs from the input, and the
/// setting before and after as the reader of that file sees it (each editor documents what Before/After hold).</summary>
public sealed class ConfigEditResult
{
    public ConfigEditResult(string text, bool changed, string? before, string? after)
    {
        Text = text;
        Changed = changed;
        Before = before;
        After = after;
    }

    /// <summary>The full new file content. When <see cref="Changed"/> is false it is the input, unchanged.</summary>
    public string Text { get; }

    /// <summary>True when <see cref="Text"/> differs from the input (the caller only writes the file then).</summary>
    public bool Changed { get; }

    /// <summary>The setting before the edit (null: not set).</summary>
    public string? Before { get; }

    /// <summary>The setting after the edit (null: not set any more).</summary>
    public string? After { get; }

    internal static ConfigEditResult Unchanged(string text, string? value) => new(text, false, value, value);

    public override string ToString() => Changed ? $"'{Before}' -> '{After}'" : $"unchanged '{After}'";
}
