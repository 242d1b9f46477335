using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XenPS.HelpGen.Yaml;

/// <summary>A YAML node with the 1-based line of the page it came from.</summary>
internal abstract class YamlNode
{
    protected YamlNode(int line) => Line = line;

    public int Line { get; }
}

internal sealed class YamlScalar : YamlNode
{
    public YamlScalar(int line, string value, bool quoted)
        : base(line)
    {
        Value = value;
        Quoted = quoted;
    }

    public string Value { get; }

    /// <summary>True when written 'like this' or "like this" (so never a boolean or null).</summary>
    public bool Quoted { get; }

    public override string ToString() => Value;
}

internal sealed class YamlSequence : YamlNode
{
    public YamlSequence(int line, IReadOnlyList<YamlNode> items)
        : base(line) => Items = items;

    public IReadOnlyList<YamlNode> Items { get; }
}

internal sealed class YamlMapping : YamlNode
{
    public YamlMapping(int line, IReadOnlyList<KeyValuePair<string, YamlNode>> entries)
        : base(line) => Entries = entries;

    public IReadOnlyList<KeyValuePair<string, YamlNode>> Entries { get; }

    public YamlNode? Get(string key) => Entries.Where(e => e.Key == key).Select(e => e.Value).FirstOrDefault();
}

/// <summary>A YAML construct the page uses wrongly or that this reader does not support, at a line of the page.</summary>
internal sealed class YamlException : Exception
{
    public YamlException()
    {
    }

    public YamlException(string message)
        : base(message)
    {
    }

    public YamlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public YamlException(int line, string message)
        : base(message) => Line = line;

    public int Line { get; }
}

/// <summary>
/// Reads the YAML of PlatyPS parameter blocks with YamlDotNet (the library PlatyPS 1.x itself reads them with) into
/// nodes that keep the line of the page they came from, for error messages. One document; every scalar is text.
/// </summary>
internal static class YamlReader
{
    /// <summary>Parses <paramref name="lines"/>, the first of which is line <paramref name="firstLine"/> of the page.</summary>
    public static YamlNode Parse(IReadOnlyList<string> lines, int firstLine)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(string.Join("\n", lines)));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new YamlException(firstLine + (int)ex.Start.Line - 1, ex.InnerException is { } inner ? ex.Message + " " + inner.Message : ex.Message);
        }
        if (stream.Documents.Count == 0) return new YamlMapping(firstLine, Array.Empty<KeyValuePair<string, YamlNode>>());
        if (stream.Documents.Count > 1) throw new YamlException(firstLine, "The block holds more than one YAML document ('---').");
        return Convert(stream.Documents[0].RootNode, firstLine);
    }

    private static YamlNode Convert(YamlDotNet.RepresentationModel.YamlNode node, int firstLine)
    {
        var line = firstLine + (int)node.Start.Line - 1;
        if (!node.Anchor.IsEmpty) throw new YamlException(line, "YAML anchors and aliases are not used in help pages.");
        switch (node)
        {
            case YamlScalarNode scalar:
                return new YamlScalar(line, scalar.Value ?? string.Empty, scalar.Style is not ScalarStyle.Plain and not ScalarStyle.Any);
            case YamlSequenceNode sequence:
                return new YamlSequence(line, sequence.Children.Select(c => Convert(c, firstLine)).ToList());
            case YamlMappingNode mapping:
                var entries = new List<KeyValuePair<string, YamlNode>>();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name }) throw new YamlException(firstLine + (int)key.Start.Line - 1, "A mapping key must be a single value.");
                    entries.Add(new KeyValuePair<string, YamlNode>(name, Convert(value, firstLine)));
                }
                return new YamlMapping(line, entries);
            default:
                throw new YamlException(line, $"Unsupported YAML node {node.NodeType}.");
        }
    }

    // ---- typed access, with errors that name the key and the line ----

    public static string GetString(YamlMapping map, string key, string? fallback = null)
    {
        var node = map.Get(key);
        if (node is null)
        {
            if (fallback is not null) return fallback;
            throw new YamlException(map.Line, $"The key '{key}' is missing.");
        }
        if (node is not YamlScalar scalar) throw new YamlException(node.Line, $"'{key}' must be a single value, not a list or mapping.");
        return scalar.Value;
    }

    public static bool GetBool(YamlMapping map, string key, bool fallback)
    {
        var node = map.Get(key);
        if (node is null) return fallback;
        if (node is YamlScalar { Quoted: false } scalar)
        {
            if (string.Equals(scalar.Value, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(scalar.Value, "false", StringComparison.OrdinalIgnoreCase)) return false;
        }
        throw new YamlException(node.Line, $"'{key}' must be true or false.");
    }

    public static List<string> GetStringList(YamlMapping map, string key)
    {
        var node = map.Get(key);
        switch (node)
        {
            case null:
                return new List<string>();
            case YamlScalar { Quoted: false, Value.Length: 0 }:
                return new List<string>();
            case YamlSequence seq:
                return seq.Items.Select(i => i is YamlScalar s
                    ? s.Value
                    : throw new YamlException(i.Line, $"The items of '{key}' must be single values.")).ToList();
            default:
                throw new YamlException(node.Line, $"'{key}' must be a list ('[]' or '- item' lines).");
        }
    }

    public static void RejectUnknownKeys(YamlMapping map, IReadOnlyCollection<string> known, string what)
    {
        foreach (var entry in map.Entries.Where(e => !known.Contains(e.Key)))
        {
            var near = known.FirstOrDefault(k => string.Equals(k, entry.Key, StringComparison.OrdinalIgnoreCase));
            var hint = near is null ? $" Known keys: {string.Join(", ", known)}." : $" Did you mean '{near}' (keys are case-sensitive)?";
            throw new YamlException(entry.Value.Line, $"Unknown key '{entry.Key}' in {what}.{hint}");
        }
    }
}
