using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.HelpGen.Markdown;

/// <summary>What a run of markdown blocks becomes in plain help text.</summary>
internal enum ParagraphKind
{
    /// <summary>Flowing text: its lines are joined with spaces and may be re-wrapped.</summary>
    Prose,

    /// <summary>List items, one per line (each already joined with its continuation lines).</summary>
    List,

    /// <summary>Code, console output or a table: kept line for line.</summary>
    Verbatim,

    /// <summary>A sub-heading inside a section.</summary>
    Heading,
}

internal sealed class Paragraph
{
    public Paragraph(ParagraphKind kind, IReadOnlyList<string> lines, string? language = null)
    {
        Kind = kind;
        Lines = lines;
        Language = language;
    }

    public ParagraphKind Kind { get; }

    /// <summary>Prose: one element; List: one element per item; Verbatim: the lines.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The code block's info string, for Verbatim paragraphs that came from a fence.</summary>
    public string? Language { get; }

    public string Text => string.Join("\n", Lines);
}

/// <summary>Turns markdown into the plain text that Get-Help shows: paragraphs, list items and code blocks, with
/// emphasis markers, escapes and link targets removed (inline `code` is kept, as Microsoft's own help does).</summary>
internal static class MarkdownText
{
    private static readonly Regex ListItem = new(@"^(?<indent>\s*)(?<marker>[-*+]|\d+[.)])\s+(?<text>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex Link = new(@"(?<!!)\[(?<text>[^\]]+)\]\((?<url>[^)\s]+)(?:\s+""[^""]*"")?\)", RegexOptions.CultureInvariant);
    private static readonly Regex AutoLink = new(@"<(?<url>https?://[^>\s]+)>", RegexOptions.CultureInvariant);
    private static readonly Regex Bold = new(@"\*\*(?<text>[^*]+?)\*\*", RegexOptions.CultureInvariant);
    private static readonly Regex Escape = new(@"\\(?<c>[\\`*_{}\[\]()#+\-.!<>|])", RegexOptions.CultureInvariant);

    /// <summary>Groups <paramref name="blocks"/> into paragraphs. Headings become Heading paragraphs.</summary>
    public static List<Paragraph> ToParagraphs(IEnumerable<MdBlock> blocks)
    {
        var result = new List<Paragraph>();
        var pending = new List<string>();

        void Flush()
        {
            if (pending.Count > 0) result.Add(FromTextLines(pending));
            pending.Clear();
        }

        foreach (var block in blocks)
        {
            switch (block)
            {
                case MdText { IsBlank: true }:
                    Flush();
                    break;
                case MdText text:
                    pending.Add(text.Text);
                    break;
                case MdFence fence:
                    Flush();
                    result.Add(new Paragraph(ParagraphKind.Verbatim, TrimBlankEdges(fence.Lines), fence.Info));
                    break;
                case MdHeading heading:
                    Flush();
                    result.Add(new Paragraph(ParagraphKind.Heading, new[] { Inline(heading.Text) }));
                    break;
            }
        }
        Flush();
        return result;
    }

    /// <summary>The paragraphs as strings: prose joined into one line, list items and verbatim lines separated by
    /// newlines (the form MAML maml:para elements hold).</summary>
    public static List<string> ToParaStrings(IEnumerable<MdBlock> blocks) =>
        ToParagraphs(blocks).Select(p => p.Kind == ParagraphKind.Verbatim ? string.Join("\n", p.Lines.Select(l => "    " + l)).TrimEnd() : p.Text).ToList();

    /// <summary>All the text as one string, paragraphs separated by a blank line.</summary>
    public static string ToPlainText(IEnumerable<MdBlock> blocks) => string.Join("\n\n", ToParaStrings(blocks));

    /// <summary>Removes inline markup: **bold**, backslash escapes, links (kept as their text, plus the address when
    /// it is absolute and differs from the text), autolinks.</summary>
    public static string Inline(string text)
    {
        var s = Link.Replace(text, m =>
        {
            var label = m.Groups["text"].Value;
            var url = m.Groups["url"].Value;
            var absolute = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            return absolute && !string.Equals(label, url, StringComparison.OrdinalIgnoreCase) ? $"{label} ({url})" : label;
        });
        s = AutoLink.Replace(s, m => m.Groups["url"].Value);
        s = Bold.Replace(s, m => m.Groups["text"].Value);
        s = Escape.Replace(s, m => m.Groups["c"].Value);
        return s;
    }

    private static Paragraph FromTextLines(List<string> lines)
    {
        if (lines.All(l => l.TrimStart().StartsWith('|')))
        {
            return new Paragraph(ParagraphKind.Verbatim, lines.Select(l => Inline(l.Trim())).ToList());
        }

        if (ListItem.IsMatch(lines[0]))
        {
            var items = new List<StringBuilder>();
            foreach (var line in lines)
            {
                var m = ListItem.Match(line);
                if (m.Success)
                {
                    var nested = m.Groups["indent"].Value.Length >= 2 ? "  " : string.Empty;
                    items.Add(new StringBuilder(nested + m.Groups["marker"].Value + " " + m.Groups["text"].Value.Trim()));
                }
                else
                {
                    items[^1].Append(' ').Append(line.Trim());
                }
            }
            return new Paragraph(ParagraphKind.List, items.Select(i => Inline(i.ToString())).ToList());
        }

        // Prose: soft line breaks become spaces; a hard break (two trailing spaces or a backslash) is kept.
        var sb = new StringBuilder();
        foreach (var raw in lines)
        {
            var hard = raw.EndsWith('\\');
            var line = (hard ? raw.Substring(0, raw.Length - 1) : raw).Trim();
            if (sb.Length > 0 && sb[^1] != '\n') sb.Append(' ');
            sb.Append(line);
            if (hard) sb.Append('\n');
        }
        return new Paragraph(ParagraphKind.Prose, new[] { Inline(sb.ToString().TrimEnd('\n')) });
    }

    private static List<string> TrimBlankEdges(IReadOnlyList<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        while (list.Count > 0 && list[0].Length == 0) list.RemoveAt(0);
        while (list.Count > 0 && list[^1].Length == 0) list.RemoveAt(list.Count - 1);
        return list;
    }
}
