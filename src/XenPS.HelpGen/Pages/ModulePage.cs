using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using XenPS.HelpGen.Markdown;

namespace XenPS.HelpGen;

/// <summary>
/// The module page of Microsoft.PowerShell.PlatyPS 1.x ("document type: module"): "# Name Module", "## Description",
/// "## Name Cmdlets" with one "### [Verb-Noun](Verb-Noun.md)" heading and its synopsis per command.
/// It is not compiled into help; it is read to check that it lists exactly the documented commands.
/// </summary>
public sealed class ModulePage
{
    private static readonly Regex CommandLink = new(@"^\[(?<name>[^\]]+)\]\((?<file>[^)]+)\)$", RegexOptions.CultureInvariant);

    private ModulePage(string path) => Path = path;

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    public string ModuleName { get; private set; } = string.Empty;

    public string Description { get; private set; } = string.Empty;

    /// <summary>The listed commands with their one-line descriptions.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Commands { get; private set; } = Array.Empty<KeyValuePair<string, string>>();

    internal IReadOnlyDictionary<string, int> CommandLines { get; private set; } = new Dictionary<string, int>();

    public static ModulePage Load(string path) => Parse(File.ReadAllText(path), path);

    public static ModulePage Parse(string text, string path)
    {
        var bag = new DiagnosticBag(path);
        var doc = MarkdownDocument.Parse(text, path, bag);
        var page = new ModulePage(path);
        page.Read(doc, bag);
        bag.ThrowIfAny();
        return page;
    }

    private void Read(MarkdownDocument doc, DiagnosticBag bag)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in doc.FrontMatter ?? Array.Empty<KeyValuePair<string, string>>()) metadata[kv.Key] = kv.Value;
        Metadata = metadata;
        foreach (var key in new[] { "document type", "Locale", "Module Name", "ms.date", "PlatyPS schema version", "title" }.Where(k => !metadata.ContainsKey(k)))
        {
            bag.Error(doc.FrontMatterEndLine, $"The module page's front matter has no '{key}' key.");
        }
        ModuleName = metadata.TryGetValue("Module Name", out var name) ? name : string.Empty;

        var title = doc.Blocks.OfType<MdHeading>().FirstOrDefault();
        if (title is null || title.Level != 1 || title.Text != ModuleName + " Module")
        {
            bag.Error(title?.Line ?? 1, $"The module page's title is '# {ModuleName} Module'.");
            return;
        }
        var sections = MdSection.Split(doc.Blocks.SkipWhile(b => b != title).Skip(1).ToList(), 2);
        var description = sections.FirstOrDefault(s => s.Title == "Description");
        if (description is null) bag.Error(title.Line, "The module page has no '## Description' section.");
        else Description = MarkdownText.ToPlainText(description.Body);

        var list = sections.FirstOrDefault(s => s.Title == ModuleName + " Cmdlets");
        if (list is null)
        {
            bag.Error(title.Line, $"The module page has no '## {ModuleName} Cmdlets' section.");
            return;
        }
        var commands = new List<KeyValuePair<string, string>>();
        var lines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var sub in list.Subsections)
        {
            var m = CommandLink.Match(sub.Title);
            if (!m.Success)
            {
                bag.Error(sub.Line, $"'### {sub.Title}' should be '### [Verb-Noun](Verb-Noun.md)'.");
                continue;
            }
            var command = m.Groups["name"].Value;
            if (!string.Equals(m.Groups["file"].Value, command + ".md", StringComparison.OrdinalIgnoreCase))
                bag.Error(sub.Line, $"The link of {command} should point at {command}.md.");
            if (!lines.TryAdd(command, sub.Line)) bag.Error(sub.Line, $"{command} is listed twice.");
            commands.Add(new KeyValuePair<string, string>(command, MarkdownText.ToPlainText(sub.Body)));
        }
        Commands = commands;
        CommandLines = lines;
    }
}
