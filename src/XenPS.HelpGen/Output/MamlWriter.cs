using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace XenPS.HelpGen;

/// <summary>
/// Writes command pages as a MAML command help file, the XML Get-Help reads for compiled cmdlets
/// (&lt;Assembly&gt;.dll-Help.xml beside the module, in its culture folder): helpItems/command:command with details,
/// description, one syntaxItem per parameter set, parameters, inputTypes, returnValues, alertSet (NOTES), examples and
/// relatedLinks, in the shape platyPS and Microsoft's own help files use.
/// </summary>
public static class MamlWriter
{
    public static readonly XNamespace Msh = "http://msh";
    public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    public static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

    private const string ExampleRule = "--------------------------";
    private static readonly Regex NamespacePrefix = new(@"\b(?:[A-Za-z_][A-Za-z0-9_]*\.)+(?=[A-Za-z_][A-Za-z0-9_`]*)", RegexOptions.CultureInvariant);

    public static XDocument Build(IEnumerable<CommandHelpPage> pages)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"));
        foreach (var page in pages) root.Add(BuildCommand(page));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static void Write(IEnumerable<CommandHelpPage> pages, string path)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = XmlWriter.Create(stream, settings);
        Build(pages).Save(writer);
    }

    /// <summary>"System.String[]" → "String[]", as syntax lines show types.</summary>
    public static string ShortTypeName(string type) => NamespacePrefix.Replace(type, string.Empty);

    private static XElement BuildCommand(CommandHelpPage page)
    {
        var dash = page.Name.IndexOf('-', StringComparison.Ordinal);
        var command = new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "command", Command.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "dev", Dev.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp.NamespaceName),
            new XElement(Command + "details",
                new XElement(Command + "name", page.Name),
                new XElement(Command + "verb", dash > 0 ? page.Name.Substring(0, dash) : page.Name),
                new XElement(Command + "noun", dash > 0 ? page.Name.Substring(dash + 1) : string.Empty),
                Description(new[] { page.Synopsis })),
            Description(page.Description));

        var visible = page.Parameters.Where(p => !p.DontShow).ToList();
        command.Add(new XElement(Command + "syntax", page.Syntax.Select(item => SyntaxItem(page, item, visible))));
        command.Add(new XElement(Command + "parameters", visible.Select(p => Parameter(p, null))));
        command.Add(new XElement(Command + "inputTypes", page.Inputs.Select(t => TypeEntry("inputType", t))));
        command.Add(new XElement(Command + "returnValues", page.Outputs.Select(t => TypeEntry("returnValue", t))));
        if (page.Notes.Count > 0) command.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(page.Notes))));
        command.Add(new XElement(Command + "examples", page.Examples.Select(Example)));

        var links = new XElement(Command + "relatedLinks");
        if (page.HelpUri.Length > 0) links.Add(Link("Online Version:", page.HelpUri));
        foreach (var link in page.RelatedLinks) links.Add(Link(link.Text, link.IsAbsolute ? link.Uri : string.Empty));
        command.Add(links);
        return command;
    }

    private static XElement SyntaxItem(CommandHelpPage page, SyntaxItem item, List<ParameterHelp> visible)
    {
        var element = new XElement(Command + "syntaxItem", new XElement(Maml + "name", page.Name));
        foreach (var sp in item.Parameters)
        {
            var parameter = visible.FirstOrDefault(p => string.Equals(p.Name, sp.Name, StringComparison.Ordinal));
            if (parameter is null) continue;
            var set = parameter.ParameterSets.FirstOrDefault(s => s.Name == item.ParameterSetName)
                      ?? parameter.ParameterSets.FirstOrDefault(s => s.AppliesToAllSets)
                      ?? parameter.ParameterSets[0];
            element.Add(Parameter(parameter, set));
        }
        return element;
    }

    /// <summary>A command:parameter; with <paramref name="set"/> its attributes are those of that set (syntax), else
    /// the summary over all sets (the PARAMETERS section).</summary>
    private static XElement Parameter(ParameterHelp parameter, ParameterSetInfo? set)
    {
        var sets = set is null ? parameter.ParameterSets : new[] { set };
        var required = sets.Any(s => s.IsRequired);
        var position = sets.Select(s => s.Position).FirstOrDefault(p => !string.Equals(p, "Named", StringComparison.OrdinalIgnoreCase)) ?? "named";
        var byValue = sets.Any(s => s.ValueFromPipeline);
        var byName = sets.Any(s => s.ValueFromPipelineByPropertyName);
        var pipeline = (byValue, byName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };

        var element = new XElement(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", parameter.SupportsWildcards ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", position),
            new XAttribute("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none"),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.DescriptionParagraphs));

        if (parameter.AcceptedValues.Count > 0)
        {
            element.Add(new XElement(Command + "parameterValueGroup", parameter.AcceptedValues.Select(v =>
                new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v))));
        }
        if (!parameter.IsSwitch)
        {
            element.Add(new XElement(Command + "parameterValue",
                new XAttribute("required", "true"), new XAttribute("variableLength", "false"), ShortTypeName(parameter.Type)));
        }
        element.Add(new XElement(Dev + "type", new XElement(Maml + "name", parameter.Type), new XElement(Maml + "uri")));
        var defaultValue = parameter.DefaultValue.Trim();
        element.Add(new XElement(Dev + "defaultValue", defaultValue.Length == 0 ? (parameter.IsSwitch ? "False" : "None") : defaultValue));
        return element;
    }

    private static XElement TypeEntry(string elementName, TypeHelp type) =>
        new(Command + elementName,
            new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
            Description(type.Description));

    private static XElement Example(ExampleHelp example)
    {
        var title = example.Title.Length > 0 ? $"Example {example.Number}: {example.Title}" : $"Example {example.Number}";
        return new XElement(Command + "example",
            new XElement(Maml + "title", $"{ExampleRule} {title} {ExampleRule}"),
            new XElement(Dev + "code", string.Join("\n\n", example.Code)),
            // The trailing empty para leaves a blank line before the next example's title, as Microsoft's help does.
            new XElement(Dev + "remarks", Paras(example.Remarks), new XElement(Maml + "para")));
    }

    private static XElement Link(string text, string uri) =>
        new(Maml + "navigationLink", new XElement(Maml + "linkText", text), new XElement(Maml + "uri", uri));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Maml + "description", Paras(paragraphs));

    private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) =>
        paragraphs.Where(p => p.Length > 0).Select(p => new XElement(Maml + "para", p));
}
