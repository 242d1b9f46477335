using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using XenPS.HelpGen.Markdown;

namespace XenPS.HelpGen;

/// <summary>What a markdown file in the docs folder is, decided the way Measure-PlatyPSMarkdown decides it.</summary>
public enum HelpPageKind
{
    Unknown,

    /// <summary>"document type: cmdlet".</summary>
    Command,

    /// <summary>"document type: module".</summary>
    Module,

    /// <summary>No document type; the title starts with "about".</summary>
    About,
}

/// <summary>Every page of one docs/&lt;culture&gt; folder, read and cross-checked.</summary>
public sealed class HelpDocumentSet
{
    private HelpDocumentSet(string directory, IReadOnlyList<CommandHelpPage> commands, IReadOnlyList<AboutTopicPage> abouts, ModulePage? module)
    {
        Directory = directory;
        Commands = commands;
        AboutTopics = abouts;
        Module = module;
    }

    public string Directory { get; }

    public IReadOnlyList<CommandHelpPage> Commands { get; }

    public IReadOnlyList<AboutTopicPage> AboutTopics { get; }

    public ModulePage? Module { get; }

    public CommandHelpPage? FindCommand(string name) =>
        Commands.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Decides what a page is from its front matter and title, like Measure-PlatyPSMarkdown.</summary>
    public static HelpPageKind Classify(string path)
    {
        MarkdownDocument doc;
        try
        {
            doc = MarkdownDocument.Load(path);
        }
        catch (HelpFormatException)
        {
            return HelpPageKind.Unknown;
        }
        var type = doc.GetMetadata("document type");
        if (type is not null)
        {
            if (string.Equals(type, "cmdlet", StringComparison.OrdinalIgnoreCase)) return HelpPageKind.Command;
            if (string.Equals(type, "module", StringComparison.OrdinalIgnoreCase)) return HelpPageKind.Module;
            return HelpPageKind.Unknown;
        }
        var title = doc.GetMetadata("title") ?? doc.Blocks.OfType<MdHeading>().FirstOrDefault(h => h.Level == 1)?.Text;
        if (title is not null && title.StartsWith("about", StringComparison.OrdinalIgnoreCase)) return HelpPageKind.About;
        if (doc.Blocks.OfType<MdHeading>().Any(h => h.Level == 2 && h.Text == "SYNOPSIS")) return HelpPageKind.Command;
        return HelpPageKind.Unknown;
    }

    /// <summary>Reads every *.md page of <paramref name="directory"/> and checks them together: one page per command
    /// name, the module page (when there is one) listing exactly the command pages with their synopses, and every
    /// command in the same module. Throws <see cref="HelpFormatException"/> with every problem of every page.</summary>
    public static HelpDocumentSet Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"The help folder '{directory}' does not exist.");
        var diagnostics = new List<HelpDiagnostic>();
        var commands = new List<CommandHelpPage>();
        var abouts = new List<AboutTopicPage>();
        var modules = new List<ModulePage>();
        var unreadable = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach (var file in System.IO.Directory.GetFiles(directory, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            try
            {
                switch (Classify(file))
                {
                    case HelpPageKind.Command:
                        commands.Add(CommandHelpPage.Load(file));
                        break;
                    case HelpPageKind.About:
                        abouts.Add(AboutTopicPage.Load(file));
                        break;
                    case HelpPageKind.Module:
                        modules.Add(ModulePage.Load(file));
                        break;
                    default:
                        // Re-parse for the structural error, if that is why it could not be classified.
                        MarkdownDocument.Load(file);
                        diagnostics.Add(new HelpDiagnostic(file, 1,
                            "Cannot tell what this page is: a command page has 'document type: cmdlet', a module page 'document type: module', an about topic no document type and a title 'about_Name'."));
                        break;
                }
            }
            catch (HelpFormatException ex)
            {
                diagnostics.AddRange(ex.Diagnostics);
                unreadable.Add(System.IO.Path.GetFileNameWithoutExtension(file));
            }
        }

        foreach (var group in commands.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            diagnostics.Add(new HelpDiagnostic(group.Skip(1).First().Path, 1, $"{group.Key} is also documented in {group.First().Path}."));
        }
        foreach (var page in commands.Where(c => !string.Equals(System.IO.Path.GetFileNameWithoutExtension(c.Path), c.Name, StringComparison.Ordinal)))
        {
            diagnostics.Add(new HelpDiagnostic(page.Path, 1, $"The page of {page.Name} must be named {page.Name}.md."));
        }
        var moduleNames = commands.Select(c => c.ModuleName).Distinct(StringComparer.Ordinal).ToList();
        if (moduleNames.Count > 1)
        {
            diagnostics.Add(new HelpDiagnostic(directory, 0, $"The command pages name different modules: {string.Join(", ", moduleNames)}."));
        }
        if (modules.Count > 1)
        {
            diagnostics.Add(new HelpDiagnostic(modules[1].Path, 1, $"There is a second module page ({modules[0].Path} is the first)."));
        }
        var module = modules.FirstOrDefault();
        if (module is not null)
        {
            foreach (var page in commands.Where(c => !module.CommandLines.ContainsKey(c.Name)))
            {
                diagnostics.Add(new HelpDiagnostic(module.Path, 0, $"The module page does not list {page.Name}."));
            }
            foreach (var listed in module.Commands)
            {
                var page = commands.FirstOrDefault(c => string.Equals(c.Name, listed.Key, StringComparison.OrdinalIgnoreCase));
                var line = module.CommandLines[listed.Key];
                if (page is null && unreadable.Contains(listed.Key)) continue;
                if (page is null) diagnostics.Add(new HelpDiagnostic(module.Path, line, $"The module page lists {listed.Key}, which has no page."));
                else if (!string.Equals(Normalize(listed.Value), Normalize(page.Synopsis), StringComparison.Ordinal))
                    diagnostics.Add(new HelpDiagnostic(module.Path, line, $"The description of {listed.Key} differs from the SYNOPSIS of {page.Path}."));
            }
            if (moduleNames.Count == 1 && !string.Equals(module.ModuleName, moduleNames[0], StringComparison.Ordinal))
                diagnostics.Add(new HelpDiagnostic(module.Path, 1, $"The module page is for '{module.ModuleName}' but the command pages are for '{moduleNames[0]}'."));
        }

        if (diagnostics.Count > 0) throw new HelpFormatException(diagnostics);
        return new HelpDocumentSet(directory, commands, abouts, module);
    }

    private static string Normalize(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
