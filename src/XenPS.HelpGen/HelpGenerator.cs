using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace XenPS.HelpGen;

/// <summary>What one run wrote.</summary>
public sealed class GenerationResult
{
    internal GenerationResult(IReadOnlyList<string> files, int commandCount, int aboutCount)
    {
        Files = files;
        CommandCount = commandCount;
        AboutCount = aboutCount;
    }

    public IReadOnlyList<string> Files { get; }

    public int CommandCount { get; }

    public int AboutCount { get; }
}

/// <summary>Compiles a docs/&lt;culture&gt; folder into a module's &lt;culture&gt; help folder.</summary>
public static class HelpGenerator
{
    /// <summary>
    /// Reads and checks every page of <paramref name="docsDirectory"/>, then writes one MAML file per 'external help
    /// file' (XenPS.dll-Help.xml) and one about_Name.help.txt per about topic into <paramref name="outputDirectory"/>.
    /// Help files there that no page produces any more are removed. Nothing is written when a page is malformed:
    /// <see cref="HelpFormatException"/> lists every problem.
    /// </summary>
    public static GenerationResult Generate(string docsDirectory, string outputDirectory)
    {
        var docs = HelpDocumentSet.Load(docsDirectory);
        Directory.CreateDirectory(outputDirectory);
        var written = new List<string>();

        foreach (var group in docs.Commands.GroupBy(c => c.ExternalHelpFile, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(outputDirectory, group.Key);
            MamlWriter.Write(group.OrderBy(c => c.Name, StringComparer.Ordinal), path);
            written.Add(path);
        }
        foreach (var about in docs.AboutTopics)
        {
            var path = Path.Combine(outputDirectory, about.Name + ".help.txt");
            AboutTextWriter.Write(about, path);
            written.Add(path);
        }

        var keep = new HashSet<string>(written.Select(Path.GetFullPath), StringComparer.Ordinal);
        foreach (var stale in Directory.GetFiles(outputDirectory, "*-Help.xml").Concat(Directory.GetFiles(outputDirectory, "about_*.help.txt")))
        {
            if (!keep.Contains(Path.GetFullPath(stale))) File.Delete(stale);
        }
        return new GenerationResult(written, docs.Commands.Count, docs.AboutTopics.Count);
    }
}
