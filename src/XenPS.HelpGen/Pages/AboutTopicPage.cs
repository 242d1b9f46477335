using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using XenPS.HelpGen.Markdown;

namespace XenPS.HelpGen;

/// <summary>A section of an about topic: an H2 (or H3) heading and its markdown.</summary>
public sealed class AboutSection
{
    internal AboutSection(string title, int level, IReadOnlyList<MdBlock> blocks, int line)
    {
        Title = title;
        Level = level;
        Blocks = blocks;
        Line = line;
    }

    public string Title { get; }

    public int Level { get; }

    public int Line { get; }

    internal IReadOnlyList<MdBlock> Blocks { get; }

    /// <summary>The section's text as plain-text paragraphs.</summary>
    public IReadOnlyList<string> Paragraphs => MarkdownText.ToParaStrings(Blocks);

    public override string ToString() => Title;
}

/// <summary>
/// A conceptual about_ topic in the markdown form the PowerShell documentation uses and Microsoft.PowerShell.PlatyPS 1.x
/// recognises as an about topic (no 'document type'; a title starting with "about_"): front matter, "# about_Name",
/// "## Short description", "## Long description", further "##" sections, and "## See also" last.
/// </summary>
public sealed class AboutTopicPage
{
    private AboutTopicPage(string path) => Path = path;

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    /// <summary>The topic name, e.g. about_XenPS.</summary>
    public string Name { get; private set; } = string.Empty;

    public string ShortDescription { get; private set; } = string.Empty;

    /// <summary>"Long description" and every section after it except "See also", in page order.</summary>
    public IReadOnlyList<AboutSection> Sections { get; private set; } = Array.Empty<AboutSection>();

    /// <summary>The "See also" entries as plain text (link text, plus the address of absolute links).</summary>
    public IReadOnlyList<string> SeeAlso { get; private set; } = Array.Empty<string>();

    public static AboutTopicPage Load(string path) => Parse(File.ReadAllText(path), path);

    public static AboutTopicPage Parse(string text, string path)
    {
        var bag = new DiagnosticBag(path);
        var doc = MarkdownDocument.Parse(text, path, bag);
        var page = new AboutTopicPage(path);
        page.Read(doc, bag);
        bag.ThrowIfAny();
        return page;
    }

    public override string ToString() => Name;

    private void Read(MarkdownDocument doc, DiagnosticBag bag)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in doc.FrontMatter ?? Array.Empty<KeyValuePair<string, string>>()) metadata[kv.Key] = kv.Value;
        Metadata = metadata;
        if (doc.FrontMatter is null) bag.Error(1, "The about topic has no YAML front matter ('---' on the first line).");
        if (metadata.TryGetValue("document type", out var type))
            bag.Error(doc.FrontMatterEndLine, $"An about topic has no 'document type' key (PlatyPS would not see it as an about topic); found '{type}'.");

        var title = doc.Blocks.OfType<MdHeading>().FirstOrDefault();
        if (title is null || title.Level != 1)
        {
            bag.Error(title?.Line ?? 1, "The about topic must start with its name as an H1 title ('# about_Name').");
            return;
        }
        Name = title.Text;
        var fileName = System.IO.Path.GetFileNameWithoutExtension(Path);
        if (!Name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            bag.Error(title.Line, $"The title '{Name}' of an about topic starts with 'about_'.");
        if (!string.Equals(Name, fileName, StringComparison.OrdinalIgnoreCase))
            bag.Error(title.Line, $"The title '{Name}' does not match the file name '{fileName}'.");
        if (metadata.TryGetValue("title", out var metaTitle) && !string.Equals(metaTitle, Name, StringComparison.Ordinal))
            bag.Error(title.Line, $"The H1 title '{Name}' does not match the front matter title '{metaTitle}'.");

        var body = doc.Blocks.SkipWhile(b => b != title).Skip(1).ToList();
        foreach (var stray in body.TakeWhile(b => b is not MdHeading).Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "Text between the title and '## Short description' is not part of an about topic.");
        }
        var sections = MdSection.Split(body, 2);
        if (sections.Count < 2 || !IsTitle(sections[0], "Short description") || !IsTitle(sections[1], "Long description"))
        {
            bag.Error(title.Line, "An about topic starts with '## Short description' and then '## Long description'.");
            return;
        }
        ShortDescription = MarkdownText.ToPlainText(sections[0].Body).Replace("\n\n", " ", StringComparison.Ordinal);
        if (ShortDescription.Length == 0) bag.Error(sections[0].Line, "'## Short description' is empty.");
        if (!sections[1].HasContent) bag.Error(sections[1].Line, "'## Long description' is empty.");

        var seeAlso = sections.FindIndex(s => IsTitle(s, "See also"));
        if (seeAlso < 0) bag.Error(title.Line, "An about topic ends with a '## See also' section (it may be empty).");
        else if (seeAlso != sections.Count - 1) bag.Error(sections[seeAlso].Line, "'## See also' must be the last section.");
        foreach (var duplicate in sections.GroupBy(s => s.Title, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            bag.Error(duplicate.Skip(1).First().Line, $"The section '## {duplicate.Key}' appears twice.");
        }

        var result = new List<AboutSection>();
        foreach (var section in sections.Skip(1).Where(s => !IsTitle(s, "See also")))
        {
            // H3 sub-sections become their own headings in the text topic.
            result.Add(new AboutSection(section.Title, 2, section.Lead, section.Line));
            result.AddRange(section.Subsections.Select(sub => new AboutSection(sub.Title, 3, sub.Body, sub.Line)));
        }
        Sections = result;
        SeeAlso = seeAlso >= 0
            ? MarkdownText.ToParagraphs(sections[seeAlso].Body).SelectMany(p => p.Kind == ParagraphKind.List ? p.Lines.Select(l => l.TrimStart('-', '*', '+', ' ')) : p.Lines).ToList()
            : new List<string>();
    }

    private static bool IsTitle(MdSection section, string title) => string.Equals(section.Title, title, StringComparison.OrdinalIgnoreCase);
}
