using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using XenPS.HelpGen.Markdown;
using XenPS.HelpGen.Yaml;

namespace XenPS.HelpGen;

/// <summary>
/// A cmdlet page in the Microsoft.PowerShell.PlatyPS 1.x format ("PlatyPS schema version: 2024-05-01"): front matter,
/// "# Name", then the H2 sections SYNOPSIS, SYNTAX, [ALIASES], DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS,
/// NOTES and RELATED LINKS, in that order. <see cref="Load"/> reads and checks a page: every schema violation, and
/// every disagreement between the SYNTAX blocks and the parameters' yaml metadata, is reported with its line.
/// </summary>
public sealed class CommandHelpPage
{
    /// <summary>The schema version this reader implements.</summary>
    public const string SchemaVersion = "2024-05-01";

    internal static readonly string[] RequiredMetadata =
    {
        "document type", "external help file", "HelpUri", "Locale", "Module Name", "ms.date", "PlatyPS schema version", "title",
    };

    private static readonly string[] SectionOrder =
    {
        "SYNOPSIS", "SYNTAX", "ALIASES", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
    };

    private static readonly string[] ParameterKeys =
    {
        "Type", "DefaultValue", "SupportsWildcards", "ParameterValue", "Aliases", "ParameterSets", "DontShow", "AcceptedValues", "HelpMessage", "VariableLength",
    };

    private static readonly string[] ParameterSetKeys =
    {
        "Name", "Position", "IsRequired", "ValueFromPipeline", "ValueFromPipelineByPropertyName", "ValueFromRemainingArguments",
    };

    private static readonly Regex ExampleTitle = new(@"^Example\s+(?<n>\d+)\s*(?:[:\-\u2013\u2014]\s*(?<title>.*))?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex SyntaxParameterToken = new(@"^(?<open>\[{0,2})-(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<close>\]?)$", RegexOptions.CultureInvariant);
    private static readonly Regex LinkItem = new(@"^[-*+]\s+\[(?<text>[^\]]+)\]\((?<url>[^)\s]*)\)\s*$", RegexOptions.CultureInvariant);

    private CommandHelpPage(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>The front matter, keys compared case-insensitively as PlatyPS does.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    /// <summary>The command name (the H1 title).</summary>
    public string Name { get; private set; } = string.Empty;

    public string ModuleName => Metadata.TryGetValue("Module Name", out var v) ? v : string.Empty;

    /// <summary>The MAML file the page belongs to ("external help file"), e.g. XenPS.dll-Help.xml.</summary>
    public string ExternalHelpFile => Metadata.TryGetValue("external help file", out var v) ? v : string.Empty;

    public string HelpUri => Metadata.TryGetValue("HelpUri", out var v) ? v : string.Empty;

    public string Synopsis { get; private set; } = string.Empty;

    public IReadOnlyList<SyntaxItem> Syntax { get; private set; } = Array.Empty<SyntaxItem>();

    public IReadOnlyList<string> Aliases { get; private set; } = Array.Empty<string>();

    /// <summary>The description as plain-text paragraphs.</summary>
    public IReadOnlyList<string> Description { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<ExampleHelp> Examples { get; private set; } = Array.Empty<ExampleHelp>();

    public IReadOnlyList<ParameterHelp> Parameters { get; private set; } = Array.Empty<ParameterHelp>();

    /// <summary>True when PARAMETERS has "### CommonParameters" (the command is an advanced one).</summary>
    public bool HasCommonParameters { get; private set; }

    public IReadOnlyList<TypeHelp> Inputs { get; private set; } = Array.Empty<TypeHelp>();

    public IReadOnlyList<TypeHelp> Outputs { get; private set; } = Array.Empty<TypeHelp>();

    public IReadOnlyList<string> Notes { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<RelatedLink> RelatedLinks { get; private set; } = Array.Empty<RelatedLink>();

    /// <summary>Finds a documented parameter by name or alias (case-insensitive); null when the page has none.</summary>
    public ParameterHelp? FindParameter(string nameOrAlias) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, nameOrAlias, StringComparison.OrdinalIgnoreCase))
        ?? Parameters.FirstOrDefault(p => p.Aliases.Contains(nameOrAlias, StringComparer.OrdinalIgnoreCase));

    /// <summary>Reads and checks a page. Throws <see cref="HelpFormatException"/> listing every problem.</summary>
    public static CommandHelpPage Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Reads and checks page text; <paramref name="path"/> names it in messages.</summary>
    public static CommandHelpPage Parse(string text, string path)
    {
        var bag = new DiagnosticBag(path);
        var doc = MarkdownDocument.Parse(text, path, bag);
        var page = new CommandHelpPage(path);
        page.Read(doc, bag);
        bag.ThrowIfAny();
        return page;
    }

    public override string ToString() => Name;

    private void Read(MarkdownDocument doc, DiagnosticBag bag)
    {
        ReadMetadata(doc, bag);

        var firstHeading = doc.Blocks.OfType<MdHeading>().FirstOrDefault();
        if (firstHeading is null || firstHeading.Level != 1)
        {
            bag.Error(firstHeading?.Line ?? doc.FrontMatterEndLine + 1, "The page must start with the command name as an H1 title ('# Verb-Noun').");
            return;
        }
        foreach (var stray in doc.Blocks.TakeWhile(b => b != firstHeading).Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "Only blank lines may come between the front matter and the H1 title.");
        }
        Name = firstHeading.Text;
        if (Name.Length == 0 || Name.Contains(' ', StringComparison.Ordinal))
            bag.Error(firstHeading.Line, $"The H1 title '{Name}' must be the command name alone.");
        if (Metadata.TryGetValue("title", out var title) && title.Length > 0 && !string.Equals(title, Name, StringComparison.Ordinal))
            bag.Error(firstHeading.Line, $"The H1 title '{Name}' does not match the front matter title '{title}'.");
        if (doc.Blocks.OfType<MdHeading>().Count(h => h.Level == 1) > 1)
            bag.Error(doc.Blocks.OfType<MdHeading>().Where(h => h.Level == 1).Skip(1).First().Line, "A cmdlet page has exactly one H1 title.");

        var body = doc.Blocks.SkipWhile(b => b != firstHeading).Skip(1).ToList();
        foreach (var stray in body.TakeWhile(b => b is not MdHeading).Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "Text between the H1 title and '## SYNOPSIS' is not part of the schema.");
        }
        if (body.OfType<MdHeading>().FirstOrDefault() is { Level: > 2 } early)
            bag.Error(early.Line, $"'{early}' appears before the first H2 section.");

        var sections = MdSection.Split(body, 2);
        var byName = CheckSectionOrder(sections, firstHeading.Line, bag);

        Synopsis = ReadSynopsis(byName.GetValueOrDefault("SYNOPSIS"), bag);
        Syntax = ReadSyntax(byName.GetValueOrDefault("SYNTAX"), bag);
        Aliases = ReadAliases(byName.GetValueOrDefault("ALIASES"));
        Description = ReadDescription(byName.GetValueOrDefault("DESCRIPTION"), bag);
        Examples = ReadExamples(byName.GetValueOrDefault("EXAMPLES"), bag);
        Parameters = ReadParameters(byName.GetValueOrDefault("PARAMETERS"), bag);
        Inputs = ReadTypes(byName.GetValueOrDefault("INPUTS"), bag);
        Outputs = ReadTypes(byName.GetValueOrDefault("OUTPUTS"), bag);
        Notes = byName.TryGetValue("NOTES", out var notes) ? MarkdownText.ToParaStrings(notes.Body) : Array.Empty<string>();
        RelatedLinks = ReadLinks(byName.GetValueOrDefault("RELATED LINKS"), bag);

        CheckSyntaxAgainstParameters(byName.GetValueOrDefault("SYNTAX"), bag);
    }

    private void ReadMetadata(MarkdownDocument doc, DiagnosticBag bag)
    {
        if (doc.FrontMatter is null)
        {
            bag.Error(1, "The page has no YAML front matter ('---' on the first line).");
            return;
        }
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in doc.FrontMatter) metadata[kv.Key] = kv.Value;
        Metadata = metadata;

        var line = doc.FrontMatterEndLine;
        foreach (var key in RequiredMetadata.Where(k => !metadata.ContainsKey(k)))
        {
            bag.Error(line, $"The front matter has no '{key}' key (PlatyPS requires it).");
        }
        if (metadata.TryGetValue("document type", out var type) && !string.Equals(type, "cmdlet", StringComparison.OrdinalIgnoreCase))
            bag.Error(line, $"'document type' is '{type}'; a command page has 'document type: cmdlet'.");
        if (metadata.TryGetValue("PlatyPS schema version", out var schema) && schema != SchemaVersion)
            bag.Error(line, $"'PlatyPS schema version' is '{schema}'; this generator reads version {SchemaVersion}.");
        if (metadata.TryGetValue("external help file", out var helpFile)
            && (helpFile.Length == 0 || helpFile.IndexOfAny(new[] { '/', '\\' }) >= 0 || !helpFile.EndsWith("-Help.xml", StringComparison.OrdinalIgnoreCase)))
            bag.Error(line, $"'external help file' must be a file name ending in -Help.xml (for a binary module <Assembly>.dll-Help.xml), not '{helpFile}'.");
        if (metadata.TryGetValue("Module Name", out var module) && module.Length == 0)
            bag.Error(line, "'Module Name' is empty.");
        if (metadata.TryGetValue("HelpUri", out var uri) && uri.Length > 0 && !Uri.TryCreate(uri, UriKind.Absolute, out _))
            bag.Error(line, $"'HelpUri' must be an absolute URL or '', not '{uri}'.");
    }

    private static Dictionary<string, MdSection> CheckSectionOrder(List<MdSection> sections, int titleLine, DiagnosticBag bag)
    {
        var byName = new Dictionary<string, MdSection>(StringComparer.Ordinal);
        var miscased = new HashSet<string>(StringComparer.Ordinal);
        var last = -1;
        foreach (var section in sections)
        {
            var index = Array.IndexOf(SectionOrder, section.Title);
            if (index < 0)
            {
                var upper = Array.IndexOf(SectionOrder, section.Title.ToUpperInvariant());
                if (upper >= 0) miscased.Add(SectionOrder[upper]);
                bag.Error(section.Line, upper >= 0
                    ? $"The section '## {section.Title}' must be written in upper case: '## {SectionOrder[upper]}'."
                    : $"'## {section.Title}' is not a section of a PlatyPS cmdlet page (expected: {string.Join(", ", SectionOrder)}).");
                continue;
            }
            if (byName.ContainsKey(section.Title))
            {
                bag.Error(section.Line, $"The section '## {section.Title}' appears twice.");
                continue;
            }
            if (index < last) bag.Error(section.Line, $"The section '## {section.Title}' is out of order; the order is {string.Join(", ", SectionOrder)}.");
            last = Math.Max(last, index);
            byName[section.Title] = section;
        }
        foreach (var missing in SectionOrder.Where(s => s != "ALIASES" && !byName.ContainsKey(s) && !miscased.Contains(s)))
        {
            bag.Error(titleLine, $"The page has no '## {missing}' section; PlatyPS requires every section but ALIASES (NOTES, RELATED LINKS, INPUTS, OUTPUTS and PARAMETERS may be empty).");
        }
        return byName;
    }

    private static string ReadSynopsis(MdSection? section, DiagnosticBag bag)
    {
        if (section is null) return string.Empty;
        foreach (var other in section.Body.Where(b => b is MdHeading or MdFence))
        {
            bag.Error(other.Line, "SYNOPSIS holds one sentence of text only (no headings or code blocks).");
        }
        var text = MarkdownText.ToPlainText(section.Body.OfType<MdText>());
        if (text.Length == 0) bag.Error(section.Line, "SYNOPSIS is empty; write one sentence that says what the command does.");
        return text.Replace("\n\n", " ", StringComparison.Ordinal);
    }

    private List<SyntaxItem> ReadSyntax(MdSection? section, DiagnosticBag bag)
    {
        var items = new List<SyntaxItem>();
        if (section is null) return items;
        var subsections = section.Subsections;
        if (subsections.Count == 0)
        {
            // PlatyPS accepts a lone syntax block without a parameter set heading.
            var fence = section.Body.OfType<MdFence>().FirstOrDefault();
            if (fence is null) bag.Error(section.Line, "SYNTAX has no syntax code block.");
            else items.Add(ParseSyntaxBlock("__AllParameterSets", true, fence, bag));
            return items;
        }
        foreach (var stray in section.Lead.Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "SYNTAX holds only '### ParameterSetName' headings, each followed by one code block.");
        }
        foreach (var sub in subsections)
        {
            var name = sub.Title;
            var isDefault = name.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
            if (isDefault) name = name.Substring(0, name.Length - "(Default)".Length).Trim();
            var fences = sub.Body.OfType<MdFence>().ToList();
            if (fences.Count != 1)
            {
                bag.Error(sub.Line, $"The parameter set '### {sub.Title}' must be followed by exactly one code block (found {fences.Count}).");
                if (fences.Count == 0) continue;
            }
            foreach (var stray in sub.Body.Where(b => b is MdText { IsBlank: false } or MdHeading))
            {
                bag.Error(stray.Line, $"Only the syntax code block belongs under '### {sub.Title}'.");
            }
            if (items.Any(i => string.Equals(i.ParameterSetName, name, StringComparison.OrdinalIgnoreCase)))
                bag.Error(sub.Line, $"The parameter set '{name}' is listed twice.");
            items.Add(ParseSyntaxBlock(name, isDefault, fences[0], bag));
        }
        if (items.Count > 1 && items.Count(i => i.IsDefault) != 1)
            bag.Error(section.Line, "With several parameter sets, exactly one '### Name (Default)' heading marks the default set.");
        return items;
    }

    private SyntaxItem ParseSyntaxBlock(string setName, bool isDefault, MdFence fence, DiagnosticBag bag)
    {
        var tokens = fence.Lines.SelectMany(l => l.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)).ToList();
        var parameters = new List<SyntaxParameter>();
        if (tokens.Count == 0)
        {
            bag.Error(fence.Line, $"The syntax block of the parameter set '{setName}' is empty.");
            return new SyntaxItem(setName, isDefault, fence.Text, parameters, fence.Line);
        }
        if (Name.Length > 0 && !string.Equals(tokens[0], Name, StringComparison.Ordinal))
            bag.Error(fence.Line, $"The syntax block starts with '{tokens[0]}', not the command name '{Name}'.");
        for (var i = 1; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (string.Equals(token, "[<CommonParameters>]", StringComparison.OrdinalIgnoreCase)) continue;
            var m = SyntaxParameterToken.Match(token);
            if (!m.Success)
            {
                bag.Error(fence.Line, $"Cannot read '{token}' in the syntax of '{setName}' (expected -Name, [-Name], [-Name] <Type>, [[-Name] <Type>], -Name <Type> or [-Name <Type>]).");
                continue;
            }
            var open = m.Groups["open"].Value.Length;
            var closed = m.Groups["close"].Value.Length > 0;
            string? type = null;
            var typeClosed = false;
            if (i + 1 < tokens.Count && tokens[i + 1].StartsWith('<'))
            {
                type = tokens[++i];
                typeClosed = type.EndsWith(']');
                if (typeClosed) type = type.Substring(0, type.Length - 1);
                if (!type.EndsWith('>'))
                {
                    bag.Error(fence.Line, $"The type '{type}' of -{m.Groups["name"].Value} is not closed by '>'.");
                    continue;
                }
                type = type.Substring(1, type.Length - 2);
            }

            bool required, positional;
            if (type is null)
            {
                required = open == 0;
                positional = false;
                if ((open == 1) != closed) bag.Error(fence.Line, $"Unbalanced brackets around -{m.Groups["name"].Value} in the syntax of '{setName}'.");
            }
            else if (open == 2 && closed && typeClosed)
            {
                required = false;
                positional = true;
            }
            else if (open == 1 && closed && !typeClosed)
            {
                required = true;
                positional = true;
            }
            else if (open == 1 && !closed && typeClosed)
            {
                required = false;
                positional = false;
            }
            else if (open == 0 && !closed && !typeClosed)
            {
                required = true;
                positional = false;
            }
            else
            {
                bag.Error(fence.Line, $"Unbalanced brackets around -{m.Groups["name"].Value} in the syntax of '{setName}'.");
                continue;
            }
            if (parameters.Any(p => string.Equals(p.Name, m.Groups["name"].Value, StringComparison.OrdinalIgnoreCase)))
                bag.Error(fence.Line, $"-{m.Groups["name"].Value} appears twice in the syntax of '{setName}'.");
            parameters.Add(new SyntaxParameter(m.Groups["name"].Value, type, required, positional));
        }
        return new SyntaxItem(setName, isDefault, fence.Text, parameters, fence.Line);
    }

    private static List<string> ReadAliases(MdSection? section)
    {
        // PlatyPS 1.x: an optional section listing the command's aliases as "- alias" items; prose is allowed around them.
        if (section is null) return new List<string>();
        return section.Body.OfType<MdText>()
            .Select(t => Regex.Match(t.Text, @"^\s*[-*+]\s+`?(?<alias>[^`\s]+)`?\s*$", RegexOptions.CultureInvariant))
            .Where(m => m.Success)
            .Select(m => m.Groups["alias"].Value)
            .ToList();
    }

    private static List<string> ReadDescription(MdSection? section, DiagnosticBag bag)
    {
        if (section is null) return new List<string>();
        var paras = MarkdownText.ToParaStrings(section.Body);
        if (paras.Count == 0) bag.Error(section.Line, "DESCRIPTION is empty.");
        return paras;
    }

    private static List<ExampleHelp> ReadExamples(MdSection? section, DiagnosticBag bag)
    {
        var examples = new List<ExampleHelp>();
        if (section is null) return examples;
        foreach (var stray in section.Lead.Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "EXAMPLES holds only '### Example N: Title' sections.");
        }
        var subsections = section.Subsections;
        if (subsections.Count == 0) bag.Error(section.Line, "EXAMPLES has no example; at least one '### Example 1: Title' is required.");
        foreach (var sub in subsections)
        {
            var number = examples.Count + 1;
            var title = sub.Title;
            var m = ExampleTitle.Match(sub.Title);
            if (m.Success)
            {
                number = int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
                title = m.Groups["title"].Value.Trim();
                if (number != examples.Count + 1)
                    bag.Error(sub.Line, $"Example {number} should be numbered {examples.Count + 1} (examples are numbered from 1 in order).");
            }
            if (title.Length == 0) bag.Error(sub.Line, $"'### {sub.Title}' has no title; write '### Example {number}: What it shows'.");

            var code = new List<string>();
            var remarks = new List<string>();
            foreach (var para in MarkdownText.ToParagraphs(sub.Body))
            {
                if (para.Kind == ParagraphKind.Verbatim && para.Language is { } lang && IsCodeLanguage(lang))
                    code.Add(para.Text);
                else if (para.Kind == ParagraphKind.Verbatim)
                    remarks.Add(string.Join("\n", para.Lines));
                else
                    remarks.Add(para.Text);
            }
            if (code.Count == 0) bag.Error(sub.Line, $"'### {sub.Title}' has no ```powershell code block.");
            examples.Add(new ExampleHelp(number, title, code, remarks, sub.Line));
        }
        return examples;
    }

    private static bool IsCodeLanguage(string info) =>
        info.Length == 0 || info.Equals("powershell", StringComparison.OrdinalIgnoreCase) || info.Equals("pwsh", StringComparison.OrdinalIgnoreCase)
        || info.Equals("ps", StringComparison.OrdinalIgnoreCase) || info.Equals("ps1", StringComparison.OrdinalIgnoreCase)
        || info.Equals("sh", StringComparison.OrdinalIgnoreCase) || info.Equals("shell", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parameters whose heading exists but whose metadata could not be read (already reported), so the
    /// syntax check does not report them a second time as undocumented.</summary>
    private readonly HashSet<string> _unreadableParameters = new(StringComparer.OrdinalIgnoreCase);

    private List<ParameterHelp> ReadParameters(MdSection? section, DiagnosticBag bag)
    {
        var parameters = new List<ParameterHelp>();
        if (section is null) return parameters;
        foreach (var stray in section.Lead.Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, "PARAMETERS holds only '### -Name' sections and '### CommonParameters'.");
        }
        foreach (var sub in section.Subsections)
        {
            if (sub.Title is "CommonParameters" or "WorkflowCommonParameters")
            {
                HasCommonParameters |= sub.Title == "CommonParameters";
                continue;
            }
            if (!sub.Title.StartsWith('-') || sub.Title.Length < 2 || sub.Title.Contains(' ', StringComparison.Ordinal))
            {
                bag.Error(sub.Line, $"'### {sub.Title}' is not a parameter heading ('### -Name' or '### CommonParameters').");
                continue;
            }
            var name = sub.Title.Substring(1);
            if (parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                bag.Error(sub.Line, $"The parameter -{name} is documented twice.");
                continue;
            }

            var yamlIndex = -1;
            for (var i = 0; i < sub.Body.Count; i++)
            {
                if (sub.Body[i] is MdFence f && f.Info.StartsWith("yaml", StringComparison.OrdinalIgnoreCase))
                {
                    yamlIndex = i;
                    break;
                }
            }
            if (yamlIndex < 0)
            {
                bag.Error(sub.Line, $"The parameter -{name} has no ```yaml metadata block.");
                _unreadableParameters.Add(name);
                continue;
            }
            var descriptionBlocks = sub.Body.Take(yamlIndex).ToList();
            foreach (var after in sub.Body.Skip(yamlIndex + 1).Where(b => b is not MdText { IsBlank: true }))
            {
                bag.Error(after.Line, $"Content after the yaml block of -{name} is dropped by PlatyPS; move it into the description above the block.");
            }
            var description = string.Join("\n", descriptionBlocks.Select(RawText)).Trim();
            var paras = MarkdownText.ToParaStrings(descriptionBlocks);
            if (paras.Count == 0) bag.Error(sub.Line, $"The parameter -{name} has no description.");

            var yamlFence = (MdFence)sub.Body[yamlIndex];
            try
            {
                var node = YamlReader.Parse(yamlFence.Lines, yamlFence.Line + 1);
                parameters.Add(ReadParameterMetadata(name, description, paras, node, sub.Line));
            }
            catch (YamlException ex)
            {
                bag.Error(ex.Line > 0 ? ex.Line : yamlFence.Line, $"The yaml block of -{name} is not valid: {ex.Message}");
                _unreadableParameters.Add(name);
            }
        }
        return parameters;
    }

    private static string RawText(MdBlock block) => block switch
    {
        MdText t => t.Text,
        MdFence f => "```" + f.Info + "\n" + f.Text + "\n```",
        MdHeading h => h.ToString(),
        _ => string.Empty,
    };

    private static ParameterHelp ReadParameterMetadata(string name, string description, List<string> paras, YamlNode node, int line)
    {
        if (node is not YamlMapping map) throw new YamlException(node.Line, "The parameter metadata must be a mapping of 'Key: value' lines.");
        YamlReader.RejectUnknownKeys(map, ParameterKeys, $"the metadata of -{name}");
        var type = YamlReader.GetString(map, "Type");
        if (type.Trim().Length == 0) throw new YamlException(map.Get("Type")?.Line ?? map.Line, $"'Type' of -{name} is empty; give the full .NET type name (e.g. System.String[]).");

        var setsNode = map.Get("ParameterSets") ?? throw new YamlException(map.Line, $"The metadata of -{name} has no 'ParameterSets' list.");
        if (setsNode is not YamlSequence setList || setList.Items.Count == 0)
            throw new YamlException(setsNode.Line, $"'ParameterSets' of -{name} must list at least one set ('- Name: (All)').");
        var sets = new List<ParameterSetInfo>();
        foreach (var item in setList.Items)
        {
            if (item is not YamlMapping set) throw new YamlException(item.Line, "Each ParameterSets item is a mapping starting '- Name: ...'.");
            YamlReader.RejectUnknownKeys(set, ParameterSetKeys, $"a parameter set of -{name}");
            var setName = YamlReader.GetString(set, "Name");
            if (setName.Length == 0) throw new YamlException(set.Line, $"A parameter set of -{name} has an empty Name.");
            var position = YamlReader.GetString(set, "Position", "Named");
            if (!string.Equals(position, "Named", StringComparison.OrdinalIgnoreCase) && !(int.TryParse(position, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p >= 0))
                throw new YamlException(set.Get("Position")?.Line ?? set.Line, $"Position of -{name} in '{setName}' must be 'Named' or a number, not '{position}'.");
            if (sets.Any(s => string.Equals(s.Name, setName, StringComparison.OrdinalIgnoreCase)))
                throw new YamlException(set.Line, $"-{name} lists the parameter set '{setName}' twice.");
            sets.Add(new ParameterSetInfo(setName, position,
                YamlReader.GetBool(set, "IsRequired", false),
                YamlReader.GetBool(set, "ValueFromPipeline", false),
                YamlReader.GetBool(set, "ValueFromPipelineByPropertyName", false),
                YamlReader.GetBool(set, "ValueFromRemainingArguments", false)));
        }
        if (sets.Count > 1 && sets.Any(s => s.AppliesToAllSets))
            throw new YamlException(setsNode.Line, $"-{name} lists '(All)' together with named sets.");

        return new ParameterHelp(name, description, paras, type.Trim(),
            YamlReader.GetString(map, "DefaultValue", string.Empty),
            YamlReader.GetBool(map, "SupportsWildcards", false),
            YamlReader.GetStringList(map, "Aliases"),
            sets,
            YamlReader.GetBool(map, "DontShow", false),
            YamlReader.GetStringList(map, "AcceptedValues"),
            YamlReader.GetString(map, "HelpMessage", string.Empty),
            line);
    }

    private static List<TypeHelp> ReadTypes(MdSection? section, DiagnosticBag bag)
    {
        var types = new List<TypeHelp>();
        if (section is null) return types;
        foreach (var stray in section.Lead.Where(b => b is not MdText { IsBlank: true }))
        {
            bag.Error(stray.Line, $"{section.Title} holds only '### TypeName' sections, each followed by its description.");
        }
        foreach (var sub in section.Subsections)
        {
            if (sub.Title.Length == 0) bag.Error(sub.Line, $"An entry of {section.Title} has no type name.");
            types.Add(new TypeHelp(sub.Title, MarkdownText.ToParaStrings(sub.Body), sub.Line));
        }
        return types;
    }

    private static List<RelatedLink> ReadLinks(MdSection? section, DiagnosticBag bag)
    {
        var links = new List<RelatedLink>();
        if (section is null) return links;
        foreach (var block in section.Body)
        {
            if (block is MdText { IsBlank: true }) continue;
            var m = block is MdText t ? LinkItem.Match(t.Text) : Match.Empty;
            if (!m.Success)
            {
                bag.Error(block.Line, "RELATED LINKS holds only '- [Text](target)' list items.");
                continue;
            }
            links.Add(new RelatedLink(m.Groups["text"].Value.Trim(), m.Groups["url"].Value.Trim()));
        }
        return links;
    }

    /// <summary>The SYNTAX blocks and the yaml ParameterSets must describe the same command.</summary>
    private void CheckSyntaxAgainstParameters(MdSection? syntaxSection, DiagnosticBag bag)
    {
        if (syntaxSection is null || Syntax.Count == 0) return;
        var setNames = Syntax.Select(s => s.ParameterSetName).ToList();
        var singleSet = Syntax.Count == 1;

        foreach (var parameter in Parameters)
        {
            foreach (var set in parameter.ParameterSets.Where(s => !s.AppliesToAllSets))
            {
                if (!setNames.Contains(set.Name, StringComparer.Ordinal))
                    bag.Error(parameter.Line, $"-{parameter.Name} is in the parameter set '{set.Name}', which SYNTAX does not list ({string.Join(", ", setNames)}).");
            }
        }

        foreach (var item in Syntax)
        {
            var expected = Parameters.Where(p => p.ParameterSets.Any(s => s.AppliesToAllSets || s.Name == item.ParameterSetName || (singleSet && item.ParameterSetName == "__AllParameterSets"))).ToList();
            foreach (var missing in expected.Where(p => !p.DontShow && !item.Parameters.Any(sp => string.Equals(sp.Name, p.Name, StringComparison.Ordinal))))
            {
                bag.Error(item.Line, $"The syntax of '{item.ParameterSetName}' does not show -{missing.Name}, which its metadata puts in that set.");
            }
            foreach (var sp in item.Parameters)
            {
                var documented = Parameters.FirstOrDefault(p => string.Equals(p.Name, sp.Name, StringComparison.Ordinal));
                if (documented is null && _unreadableParameters.Contains(sp.Name)) continue;
                if (documented is null)
                {
                    bag.Error(item.Line, $"The syntax of '{item.ParameterSetName}' shows -{sp.Name}, which PARAMETERS does not document.");
                    continue;
                }
                var set = documented.ParameterSets.FirstOrDefault(s => s.Name == item.ParameterSetName)
                          ?? documented.ParameterSets.FirstOrDefault(s => s.AppliesToAllSets)
                          ?? (singleSet ? documented.ParameterSets.FirstOrDefault() : null);
                if (set is null)
                {
                    bag.Error(item.Line, $"The syntax of '{item.ParameterSetName}' shows -{sp.Name}, whose metadata does not put it in that set.");
                    continue;
                }
                if (set.IsRequired != sp.IsRequired)
                    bag.Error(item.Line, $"-{sp.Name} is {(sp.IsRequired ? "required" : "optional")} in the syntax of '{item.ParameterSetName}' but IsRequired is {set.IsRequired.ToString().ToLowerInvariant()} in its metadata.");
                if (set.IsNamed == sp.IsPositional)
                    bag.Error(item.Line, $"-{sp.Name} is {(sp.IsPositional ? "positional" : "named")} in the syntax of '{item.ParameterSetName}' but its metadata says Position: {set.Position}.");
                if (sp.IsSwitch != documented.IsSwitch)
                    bag.Error(item.Line, $"-{sp.Name} is {(sp.IsSwitch ? "a switch" : "a typed parameter")} in the syntax of '{item.ParameterSetName}' but its Type is {documented.Type}.");
            }
        }
    }
}
