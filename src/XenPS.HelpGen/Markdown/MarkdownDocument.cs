using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace XenPS.HelpGen.Markdown;

/// <summary>A block of a markdown page, with the 1-based line it starts on.</summary>
internal abstract class MdBlock
{
    protected MdBlock(int line) => Line = line;

    public int Line { get; }
}

/// <summary>An ATX heading: "## SYNOPSIS".</summary>
internal sealed class MdHeading : MdBlock
{
    public MdHeading(int line, int level, string text)
        : base(line)
    {
        Level = level;
        Text = text;
    }

    public int Level { get; }

    public string Text { get; }

    public override string ToString() => new string('#', Level) + " " + Text;
}

/// <summary>A fenced code block: ```powershell ... ```.</summary>
internal sealed class MdFence : MdBlock
{
    public MdFence(int line, string info, IReadOnlyList<string> lines)
        : base(line)
    {
        Info = info;
        Lines = lines;
    }

    /// <summary>The info string after the opening fence ("powershell", "yaml", "Output", or empty).</summary>
    public string Info { get; }

    public IReadOnlyList<string> Lines { get; }

    public string Text => string.Join("\n", Lines);

    public bool IsLanguage(params string[] languages) => languages.Any(l => string.Equals(Info, l, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A line of ordinary text (paragraph, list item, table row) or a blank line.</summary>
internal sealed class MdText : MdBlock
{
    public MdText(int line, string text)
        : base(line) => Text = text;

    public string Text { get; }

    public bool IsBlank => Text.Trim().Length == 0;
}

/// <summary>
/// The few markdown constructs help pages are made of: YAML front matter between "---" lines, ATX headings, fenced code
/// blocks and lines of text. Enough to read PlatyPS pages exactly where PlatyPS itself (Markdig) splits them, with line
/// numbers for error messages; inline markup is left to <see cref="MarkdownText"/>.
/// </summary>
internal sealed class MarkdownDocument
{
    private static readonly Regex HeadingPattern = new(@"^ {0,3}(?<hashes>#{1,6})(?:[ \t]+(?<text>.*?))?(?:[ \t]+#+)?[ \t]*$", RegexOptions.CultureInvariant);
    private static readonly Regex FencePattern = new(@"^(?<indent> {0,3})(?<fence>`{3,}|~{3,})[ \t]*(?<info>[^`]*?)[ \t]*$", RegexOptions.CultureInvariant);

    private MarkdownDocument(string path, IReadOnlyList<KeyValuePair<string, string>>? frontMatter, int frontMatterEndLine, IReadOnlyList<MdBlock> blocks)
    {
        Path = path;
        FrontMatter = frontMatter;
        FrontMatterEndLine = frontMatterEndLine;
        Blocks = blocks;
    }

    public string Path { get; }

    /// <summary>The "key: value" pairs of the front matter in file order; null when the page has none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? FrontMatter { get; }

    public int FrontMatterEndLine { get; }

    public IReadOnlyList<MdBlock> Blocks { get; }

    public static MarkdownDocument Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Splits <paramref name="text"/> into blocks. Structural errors (unclosed front matter or fence, a
    /// front matter line without "key: value") are reported through <paramref name="diagnostics"/> when given, else thrown.</summary>
    public static MarkdownDocument Parse(string text, string path, DiagnosticBag? diagnostics = null)
    {
        var bag = diagnostics ?? new DiagnosticBag(path);
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        if (lines.Length > 0 && lines[0].Length > 0 && lines[0][0] == '\uFEFF') lines[0] = lines[0].Substring(1);

        var index = 0;
        List<KeyValuePair<string, string>>? frontMatter = null;
        var frontMatterEnd = 0;
        if (lines.Length > 0 && lines[0].TrimEnd() == "---")
        {
            frontMatter = new List<KeyValuePair<string, string>>();
            index = 1;
            var closed = false;
            for (; index < lines.Length; index++)
            {
                var line = lines[index];
                if (line.TrimEnd() == "---")
                {
                    closed = true;
                    frontMatterEnd = index + 1;
                    index++;
                    break;
                }
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    bag.Error(index + 1, $"The front matter line '{line.Trim()}' is not 'key: value'.");
                    continue;
                }
                var key = line.Substring(0, colon).Trim();
                if (frontMatter.Any(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)))
                {
                    bag.Error(index + 1, $"The front matter key '{key}' appears twice.");
                    continue;
                }
                frontMatter.Add(new KeyValuePair<string, string>(key, Unquote(line.Substring(colon + 1).Trim())));
            }
            if (!closed)
            {
                bag.Error(1, "The front matter opened by '---' on line 1 is never closed by a '---' line.");
                frontMatterEnd = lines.Length;
            }
        }

        var blocks = new List<MdBlock>();
        while (index < lines.Length)
        {
            var line = lines[index];
            var fence = FencePattern.Match(line);
            if (fence.Success)
            {
                var marker = fence.Groups["fence"].Value;
                var indent = fence.Groups["indent"].Value.Length;
                var start = index;
                var body = new List<string>();
                var closed = false;
                for (index++; index < lines.Length; index++)
                {
                    var candidate = lines[index];
                    var trimmed = candidate.TrimStart(' ');
                    if (candidate.Length - trimmed.Length <= 3 && trimmed.TrimEnd().Length >= marker.Length
                        && trimmed.TrimEnd().All(c => c == marker[0]))
                    {
                        closed = true;
                        index++;
                        break;
                    }
                    body.Add(RemoveIndent(candidate, indent));
                }
                if (!closed) bag.Error(start + 1, $"The code block opened by '{marker}' on line {start + 1} is never closed.");
                blocks.Add(new MdFence(start + 1, fence.Groups["info"].Value.Trim(), body));
                continue;
            }

            var heading = HeadingPattern.Match(line);
            if (heading.Success)
            {
                blocks.Add(new MdHeading(index + 1, heading.Groups["hashes"].Value.Length, heading.Groups["text"].Value.Trim()));
            }
            else
            {
                blocks.Add(new MdText(index + 1, line.TrimEnd()));
            }
            index++;
        }

        if (diagnostics is null) bag.ThrowIfAny();
        return new MarkdownDocument(path, frontMatter, frontMatterEnd, blocks);
    }

    /// <summary>The front matter value of <paramref name="key"/> (case-insensitive, as PlatyPS reads it), or null.</summary>
    public string? GetMetadata(string key) =>
        FrontMatter?.Where(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Select(kv => kv.Value).FirstOrDefault();

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && ((value[0] == '\'' && value[^1] == '\'') || (value[0] == '"' && value[^1] == '"')))
        {
            var inner = value.Substring(1, value.Length - 2);
            return value[0] == '\'' ? inner.Replace("''", "'", StringComparison.Ordinal) : inner.Replace("\\\"", "\"", StringComparison.Ordinal);
        }
        return value;
    }

    private static string RemoveIndent(string line, int indent)
    {
        var remove = 0;
        while (remove < indent && remove < line.Length && line[remove] == ' ') remove++;
        return line.Substring(remove);
    }
}

/// <summary>A heading and the blocks under it up to the next heading of the same or a higher level.</summary>
internal sealed class MdSection
{
    public MdSection(MdHeading heading, IReadOnlyList<MdBlock> body)
    {
        Heading = heading;
        Body = body;
    }

    public MdHeading Heading { get; }

    public string Title => Heading.Text;

    public int Line => Heading.Line;

    /// <summary>Every block under the heading, sub-headings included.</summary>
    public IReadOnlyList<MdBlock> Body { get; }

    /// <summary>The blocks before the first sub-heading.</summary>
    public IReadOnlyList<MdBlock> Lead => Body.TakeWhile(b => b is not MdHeading).ToList();

    /// <summary>The sub-sections one level down.</summary>
    public IReadOnlyList<MdSection> Subsections => Split(Body, Heading.Level + 1);

    public bool HasContent => Body.Any(b => b is not MdText { IsBlank: true });

    /// <summary>Splits <paramref name="blocks"/> at every heading of <paramref name="level"/>; a deeper heading stays in
    /// its section's body, a shallower one ends the split.</summary>
    public static List<MdSection> Split(IReadOnlyList<MdBlock> blocks, int level)
    {
        var sections = new List<MdSection>();
        MdHeading? current = null;
        var body = new List<MdBlock>();
        foreach (var block in blocks)
        {
            if (block is MdHeading h && h.Level <= level)
            {
                if (current is not null) sections.Add(new MdSection(current, body));
                body = new List<MdBlock>();
                current = h.Level == level ? h : null;
                if (h.Level < level) break;
                continue;
            }
            if (current is not null) body.Add(block);
        }
        if (current is not null) sections.Add(new MdSection(current, body));
        return sections;
    }
}
