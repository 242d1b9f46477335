using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

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
/// Reads the small YAML subset of PlatyPS parameter blocks: block mappings, block sequences (of scalars or of
/// mappings, also at the indentation of their key, as PlatyPS writes them), flow sequences ("[]", "[a, b]"), plain,
/// 'single' and "double" quoted scalars, and comments. Anything else (anchors, tags, block scalars, flow mappings,
/// tabs) is an error, as is a plain scalar holding ": " (YamlDotNet, which PlatyPS uses, rejects it too).
/// </summary>
internal static class MiniYaml
{
    private struct Line
    {
        public int Number;
        public int Indent;
        public string Content;
    }

    /// <summary>Parses <paramref name="lines"/>, the first of which is line <paramref name="firstLine"/> of the page.</summary>
    public static YamlNode Parse(IReadOnlyList<string> lines, int firstLine)
    {
        var list = new List<Line>();
        for (var i = 0; i < lines.Count; i++)
        {
            var raw = lines[i];
            var number = firstLine + i;
            var content = StripComment(raw).TrimEnd();
            if (content.Trim().Length == 0) continue;
            var indent = 0;
            while (indent < content.Length && content[indent] == ' ') indent++;
            if (indent < content.Length && content[indent] == '\t') throw new YamlException(number, "A tab is used for indentation; YAML allows only spaces.");
            list.Add(new Line { Number = number, Indent = indent, Content = content.Substring(indent) });
        }
        if (list.Count == 0) return new YamlMapping(firstLine, Array.Empty<KeyValuePair<string, YamlNode>>());
        if (list[0].Indent != 0) throw new YamlException(list[0].Number, "The first line of the YAML block is indented.");

        var lineArray = list.ToArray();
        var index = 0;
        var node = ParseBlock(lineArray, ref index, 0);
        if (index < lineArray.Length) throw new YamlException(lineArray[index].Number, $"Unexpected '{lineArray[index].Content}' (wrong indentation?).");
        return node;
    }

    private static YamlNode ParseBlock(Line[] lines, ref int index, int indent) =>
        IsSequenceItem(lines[index].Content) ? ParseSequence(lines, ref index, indent) : ParseMapping(lines, ref index, indent);

    private static bool IsSequenceItem(string content) => content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

    private static YamlMapping ParseMapping(Line[] lines, ref int index, int indent)
    {
        var startLine = lines[index].Number;
        var entries = new List<KeyValuePair<string, YamlNode>>();
        while (index < lines.Length && lines[index].Indent == indent && !IsSequenceItem(lines[index].Content))
        {
            var line = lines[index];
            if (!TrySplitKey(line.Content, out var key, out var rest))
                throw new YamlException(line.Number, $"Expected 'key: value' but found '{line.Content}'.");
            if (entries.Any(e => e.Key == key)) throw new YamlException(line.Number, $"The key '{key}' appears twice.");
            index++;

            YamlNode value;
            if (rest.Length > 0)
            {
                value = ParseInline(rest, line.Number);
            }
            else if (index < lines.Length && (lines[index].Indent > indent || (lines[index].Indent == indent && IsSequenceItem(lines[index].Content))))
            {
                value = ParseBlock(lines, ref index, lines[index].Indent);
            }
            else
            {
                value = new YamlScalar(line.Number, string.Empty, quoted: false);
            }
            entries.Add(new KeyValuePair<string, YamlNode>(key, value));
        }
        if (index < lines.Length && lines[index].Indent > indent)
            throw new YamlException(lines[index].Number, $"Unexpected indentation before '{lines[index].Content}'.");
        return new YamlMapping(startLine, entries);
    }

    private static YamlSequence ParseSequence(Line[] lines, ref int index, int indent)
    {
        var startLine = lines[index].Number;
        var items = new List<YamlNode>();
        while (index < lines.Length && lines[index].Indent == indent && IsSequenceItem(lines[index].Content))
        {
            var line = lines[index];
            var rest = line.Content.Length > 1 ? line.Content.Substring(2) : string.Empty;
            var extra = rest.Length - rest.TrimStart(' ').Length;
            rest = rest.TrimStart(' ');
            if (rest.Length == 0)
            {
                index++;
                items.Add(index < lines.Length && lines[index].Indent > indent
                    ? ParseBlock(lines, ref index, lines[index].Indent)
                    : new YamlScalar(line.Number, string.Empty, quoted: false));
            }
            else if (IsSequenceItem(rest) || TrySplitKey(rest, out _, out _))
            {
                // "- Name: x" opens a mapping (or "- - x" a sequence) whose column is that of the text after "- ".
                lines[index] = new Line { Number = line.Number, Indent = indent + 2 + extra, Content = rest };
                items.Add(ParseBlock(lines, ref index, indent + 2 + extra));
            }
            else
            {
                items.Add(ParseInline(rest, line.Number));
                index++;
            }
        }
        return new YamlSequence(startLine, items);
    }

    /// <summary>Splits "key: value" / "key:"; false when the text is not a mapping entry (a scalar).</summary>
    private static bool TrySplitKey(string content, out string key, out string rest)
    {
        key = string.Empty;
        rest = string.Empty;
        if (content.Length == 0 || "'\"[{&*!|>%@`".IndexOf(content[0], StringComparison.Ordinal) >= 0) return false;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] != ':') continue;
            if (i + 1 < content.Length && content[i + 1] != ' ') continue;
            key = content.Substring(0, i).Trim();
            rest = content.Substring(i + 1).Trim();
            return key.Length > 0;
        }
        return false;
    }

    private static YamlNode ParseInline(string text, int line)
    {
        text = text.Trim();
        switch (text[0])
        {
            case '[':
                return ParseFlowSequence(text, line);
            case '{':
                throw new YamlException(line, "Flow mappings ('{ ... }') are not supported here.");
            case '|':
            case '>':
                throw new YamlException(line, "Block scalars ('|' or '>') are not supported here; write the value on one line.");
            case '&':
            case '*':
            case '!':
                throw new YamlException(line, $"YAML anchors, aliases and tags ('{text[0]}') are not supported here.");
            case '\'':
            case '"':
                var value = ReadQuoted(text, 0, line, out var end);
                if (text.Substring(end).Trim().Length > 0) throw new YamlException(line, $"Unexpected text after the quoted value: '{text.Substring(end).Trim()}'.");
                return new YamlScalar(line, value, quoted: true);
            default:
                if (text.Contains(": ", StringComparison.Ordinal))
                    throw new YamlException(line, $"The value '{text}' contains ': '; quote it ('...').");
                return new YamlScalar(line, text, quoted: false);
        }
    }

    private static YamlSequence ParseFlowSequence(string text, int line)
    {
        if (!text.EndsWith(']')) throw new YamlException(line, $"The list '{text}' has no closing ']'.");
        var inner = text.Substring(1, text.Length - 2).Trim();
        var items = new List<YamlNode>();
        if (inner.Length == 0) return new YamlSequence(line, items);
        var i = 0;
        while (i <= inner.Length)
        {
            while (i < inner.Length && inner[i] == ' ') i++;
            if (i < inner.Length && (inner[i] == '\'' || inner[i] == '"'))
            {
                items.Add(new YamlScalar(line, ReadQuoted(inner, i, line, out var end), quoted: true));
                i = end;
                while (i < inner.Length && inner[i] == ' ') i++;
                if (i < inner.Length && inner[i] != ',') throw new YamlException(line, $"Expected ',' in the list '{text}'.");
                i++;
                continue;
            }
            var comma = inner.IndexOf(',', i);
            var item = (comma < 0 ? inner.Substring(i) : inner.Substring(i, comma - i)).Trim();
            if (item.Length == 0) throw new YamlException(line, $"The list '{text}' has an empty item.");
            if ("[]{}".IndexOfAny(item.ToCharArray()) >= 0) throw new YamlException(line, $"Nested lists are not supported: '{text}'.");
            items.Add(new YamlScalar(line, item, quoted: false));
            if (comma < 0) break;
            i = comma + 1;
        }
        return new YamlSequence(line, items);
    }

    private static string ReadQuoted(string text, int start, int line, out int end)
    {
        var quote = text[start];
        var sb = new StringBuilder();
        for (var i = start + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\'' && c == '\'')
            {
                if (i + 1 < text.Length && text[i + 1] == '\'')
                {
                    sb.Append('\'');
                    i++;
                    continue;
                }
                end = i + 1;
                return sb.ToString();
            }
            if (quote == '"' && c == '\\' && i + 1 < text.Length)
            {
                i++;
                sb.Append(text[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    '0' => '\0',
                    _ => text[i],
                });
                continue;
            }
            if (quote == '"' && c == '"')
            {
                end = i + 1;
                return sb.ToString();
            }
            sb.Append(c);
        }
        throw new YamlException(line, $"The quoted value {text.Substring(start)} is never closed.");
    }

    /// <summary>Removes a comment: '#' at the start of the text or after whitespace, outside quotes.</summary>
    private static string StripComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is { } q)
            {
                if (c == q) quote = null;
                continue;
            }
            if ((c == '\'' || c == '"') && (i == 0 || " [,:-".IndexOf(line[i - 1], StringComparison.Ordinal) >= 0)) quote = c;
            else if (c == '#' && (i == 0 || line[i - 1] == ' ')) return line.Substring(0, i);
        }
        return line;
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
