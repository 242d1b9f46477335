using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using XenPS.HelpGen.Yaml;

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
/// A help page split the way PlatyPS 1.x splits it, by Markdig (CommonMark, with YAML front matter): the front matter
/// (read with YamlDotNet), ATX headings, fenced code blocks, and every other line as a line of text, with the 1-based
/// line numbers of the page for error messages. Inline markup is left to <see cref="MarkdownText"/>.
/// </summary>
internal sealed class MarkdownDocument
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
    private static readonly Regex HeadingPattern = new(@"^ {0,3}(?<hashes>#{1,6})(?:[ \t]+(?<text>.*?))?(?:[ \t]+#+)?[ \t]*$", RegexOptions.CultureInvariant);

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

    /// <summary>Splits <paramref name="text"/> into blocks. Structural errors (unclosed front matter or fence, front
    /// matter that is not a mapping of single values) are reported through <paramref name="diagnostics"/> when given,
    /// else thrown.</summary>
    public static MarkdownDocument Parse(string text, string path, DiagnosticBag? diagnostics = null)
    {
        var bag = diagnostics ?? new DiagnosticBag(path);
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
        var lines = text.Split('\n');
        var document = Markdig.Markdown.Parse(text, Pipeline);

        List<KeyValuePair<string, string>>? frontMatter = null;
        var frontMatterEnd = 0;
        var bodyStart = 0;
        if (document.FirstOrDefault() is YamlFrontMatterBlock yaml)
        {
            frontMatter = ReadFrontMatter(yaml, bag);
            frontMatterEnd = yaml.Line + yaml.Lines.Count + 2;
            bodyStart = frontMatterEnd;
        }
        else if (lines.Length > 0 && lines[0].TrimEnd() == "---")
        {
            bag.Error(1, "The front matter opened by '---' on line 1 is never closed by a '---' line.");
            frontMatter = new List<KeyValuePair<string, string>>();
            frontMatterEnd = lines.Length;
            bodyStart = lines.Length;
        }

        // Headings and fenced code blocks where Markdig finds them (a '#' in a code block is no heading); every other
        // line of the body is a line of text.
        var structural = new SortedDictionary<int, (MdBlock Block, int LastLine)>();
        foreach (var block in document.Descendants<Block>())
        {
            if (block.Line < bodyStart) continue;
            switch (block)
            {
                case FencedCodeBlock fence when block.Parent is Markdig.Syntax.MarkdownDocument:
                    var body = new List<string>();
                    for (var k = 0; k < fence.Lines.Count; k++) body.Add(fence.Lines.Lines[k].Slice.ToString());
                    var closed = fence.ClosingFencedCharCount > 0;
                    if (!closed) bag.Error(fence.Line + 1, $"The code block opened by '{new string(fence.FencedChar, fence.OpeningFencedCharCount)}' on line {fence.Line + 1} is never closed.");
                    var last = closed ? LineOf(text, fence.Span.End) : lines.Length - 1;
                    structural[fence.Line] = (new MdFence(fence.Line + 1, ((fence.Info ?? string.Empty) + " " + (fence.Arguments ?? string.Empty)).Trim(), body), last);
                    break;
                case HeadingBlock heading when block.Parent is Markdig.Syntax.MarkdownDocument && !heading.IsSetext:
                    var match = HeadingPattern.Match(lines[heading.Line]);
                    var headingText = match.Success ? match.Groups["text"].Value.Trim() : string.Empty;
                    structural[heading.Line] = (new MdHeading(heading.Line + 1, heading.Level, headingText), heading.Line);
                    break;
            }
        }

        var blocks = new List<MdBlock>();
        for (var index = bodyStart; index < lines.Length; index++)
        {
            if (structural.TryGetValue(index, out var found))
            {
                blocks.Add(found.Block);
                index = found.LastLine;
                continue;
            }
            // The text after the last line break is no line of its own (a page ends with a newline).
            if (index == lines.Length - 1 && lines[index].Length == 0) break;
            blocks.Add(new MdText(index + 1, lines[index].TrimEnd()));
        }

        if (diagnostics is null) bag.ThrowIfAny();
        return new MarkdownDocument(path, frontMatter, frontMatterEnd, blocks);
    }

    /// <summary>The front matter as YamlDotNet reads it: a mapping of single values, in file order.</summary>
    private static List<KeyValuePair<string, string>> ReadFrontMatter(YamlFrontMatterBlock block, DiagnosticBag bag)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var firstLine = block.Line + 2;
        YamlNode root;
        try
        {
            root = YamlReader.Parse(Enumerable.Range(0, block.Lines.Count).Select(k => block.Lines.Lines[k].Slice.ToString()).ToList(), firstLine);
        }
        catch (YamlException ex)
        {
            bag.Error(ex.Line, "The front matter is not valid YAML: " + ex.Message);
            return pairs;
        }
        if (root is not YamlMapping map)
        {
            bag.Error(firstLine, "The front matter must be 'key: value' lines.");
            return pairs;
        }
        foreach (var (key, value) in map.Entries)
        {
            if (pairs.Any(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                bag.Error(value.Line, $"The front matter key '{key}' appears twice.");
                continue;
            }
            if (value is not YamlScalar scalar)
            {
                bag.Error(value.Line, $"The front matter key '{key}' must have a single value.");
                continue;
            }
            pairs.Add(new KeyValuePair<string, string>(key, scalar.Value));
        }
        return pairs;
    }

    private static int LineOf(string text, int offset)
    {
        var line = 0;
        for (var k = 0; k < offset && k < text.Length; k++) if (text[k] == '\n') line++;
        return line;
    }

    /// <summary>The front matter value of <paramref name="key"/> (case-insensitive, as PlatyPS reads it), or null.</summary>
    public string? GetMetadata(string key) =>
        FrontMatter?.Where(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Select(kv => kv.Value).FirstOrDefault();
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
