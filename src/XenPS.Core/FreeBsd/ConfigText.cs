using System;
using System.Collections.Generic;
using System.Text;

namespace XenPS.Core.FreeBsd;

/// <summary>One physical line of a text: [Start, ContentEnd) is its content, [ContentEnd, End) its terminator
/// ("\n", "\r\n", or nothing for a last line without a newline).</summary>
internal readonly struct LineSpan
{
    public LineSpan(int index, int start, int contentEnd, int end)
    {
        Index = index;
        Start = start;
        ContentEnd = contentEnd;
        End = end;
    }

    /// <summary>0-based.</summary>
    public int Index { get; }

    public int Start { get; }

    public int ContentEnd { get; }

    public int End { get; }

    public int Number => Index + 1;

    public bool HasTerminator => End > ContentEnd;

    public string Content(string text) => text.Substring(Start, ContentEnd - Start);
}

internal static class ConfigText
{
    /// <summary>Splits a text into lines without losing a byte: joining every [Start, End) gives the text back.</summary>
    public static List<LineSpan> Lines(string text)
    {
        var lines = new List<LineSpan>();
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                lines.Add(new LineSpan(lines.Count, start, text.Length, text.Length));
                break;
            }
            var contentEnd = nl > start && text[nl - 1] == '\r' ? nl - 1 : nl;
            lines.Add(new LineSpan(lines.Count, start, contentEnd, nl + 1));
            start = nl + 1;
        }
        return lines;
    }

    /// <summary>The terminator new lines get: the one of the file's first terminated line ("\n" when there is none).</summary>
    public static string NewLine(string text, IReadOnlyList<LineSpan> lines)
    {
        foreach (var line in lines)
        {
            if (line.HasTerminator) return text.Substring(line.ContentEnd, line.End - line.ContentEnd);
        }
        return "\n";
    }

    /// <summary>Where and what to insert so that <paramref name="content"/> becomes a line of its own before line
    /// <paramref name="beforeIndex"/> (or at the end when it is lines.Count). At the end of a file that has no final
    /// newline, the newline goes before the new line, so the file still ends without one and the old last line keeps
    /// its bytes.</summary>
    public static (int Position, string Text) LineInsertion(string text, IReadOnlyList<LineSpan> lines, int beforeIndex, string content)
    {
        var nl = NewLine(text, lines);
        if (beforeIndex < lines.Count) return (lines[beforeIndex].Start, content + nl);
        if (lines.Count == 0) return (text.Length, content + nl);
        return lines[lines.Count - 1].HasTerminator ? (text.Length, content + nl) : (text.Length, nl + content);
    }

    /// <summary>The line that holds a position (the last line for the end of the text).</summary>
    public static int LineOf(IReadOnlyList<LineSpan> lines, int position)
    {
        int lo = 0, hi = lines.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (lines[mid].Start <= position) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    public static bool IsControl(char c) => c < ' ' || c == '\u007f';

    /// <summary>Shows a value in an error message with its control characters visible.</summary>
    public static string Show(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (IsControl(c)) sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('\'').ToString();
    }
}

/// <summary>A set of non-overlapping replacements on one text, applied at once against the original positions.</summary>
internal sealed class TextEdits
{
    private readonly List<(int Start, int Length, string Text, int Order)> _edits = new();

    public int Count => _edits.Count;

    public void Replace(int start, int length, string text) => _edits.Add((start, length, text, _edits.Count));

    public void Insert(int position, string text) => Replace(position, 0, text);

    public void Delete(int start, int length) => Replace(start, length, string.Empty);

    public string Apply(string original)
    {
        if (_edits.Count == 0) return original;
        _edits.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Order.CompareTo(b.Order));
        var sb = new StringBuilder(original.Length + 64);
        var pos = 0;
        foreach (var e in _edits)
        {
            if (e.Start < pos) throw new InvalidOperationException("Overlapping edits.");
            sb.Append(original, pos, e.Start - pos).Append(e.Text);
            pos = e.Start + e.Length;
        }
        return sb.Append(original, pos, original.Length - pos).ToString();
    }
}
