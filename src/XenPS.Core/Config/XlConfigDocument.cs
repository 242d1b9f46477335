using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Core.Config;

/// <summary>
/// A lossless xl.cfg (or xl.conf) file: the statements and every byte around them (comments, blank lines, blanks,
/// quote styles, number styles, line breaks, a missing final line break). <see cref="ToString"/> gives back the parsed
/// text exactly; edits touch only the statement they change.
/// </summary>
/// <remarks>
/// Reading follows xl: the last "key = value" wins and each later "key += value" appends to it (string or list
/// concatenation).
/// </remarks>
public sealed class XlConfigDocument
{
    private static readonly Regex KeyPattern = new("^[a-z][._0-9a-z]*$", RegexOptions.CultureInvariant);

    private readonly List<XlConfigNode> _nodes;

    private XlConfigDocument(List<XlConfigNode> nodes, string? path)
    {
        _nodes = nodes;
        Path = path;
    }

    /// <summary>Parses xl.cfg text. <paramref name="path"/> is only used in error messages.</summary>
    /// <exception cref="XenConfigSyntaxException">xl would refuse the text (the message has the line and column).</exception>
    public static XlConfigDocument Parse(string text, string? path = null)
    {
        if (text is null) throw new ArgumentNullException(nameof(text));
        var nodes = XlConfigParser.Parse(text, path, out _);
        return new XlConfigDocument(nodes, path);
    }

    /// <summary>The file the text came from, when known.</summary>
    public string? Path { get; }

    /// <summary>Statements and trivia tokens (whitespace, comments, line breaks, ';') in file order.</summary>
    public IReadOnlyList<XlConfigNode> Nodes => _nodes;

    public IReadOnlyList<XlConfigSetting> Settings => _nodes.OfType<XlConfigSetting>().ToList();

    /// <summary>Every key, once, in order of first appearance.</summary>
    public IReadOnlyList<string> Keys => Settings.Select(s => s.Key).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>"\r\n" when the file's first line break is CRLF, else "\n": new lines are written with it.</summary>
    public string LineEnding =>
        AllTokens().FirstOrDefault(t => t.Kind == XlConfigTokenKind.Newline)?.Text ?? "\n";

    /// <summary>The file text, byte for byte what was parsed plus the edits.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var node in _nodes) node.WriteTo(builder);
        return builder.ToString();
    }

    /// <summary>
    /// What this parser accepts (to round-trip the file) but xl does not: CRLF line breaks, a comment on the last line
    /// without a line break. Computed from the current text.
    /// </summary>
    public IReadOnlyList<XenConfigProblem> GetCompatibilityIssues()
    {
        XlConfigLexer.Tokenize(ToString(), Path, out var issues);
        return issues;
    }

    public IEnumerable<XlConfigSetting> Find(string key) => _nodes.OfType<XlConfigSetting>().Where(s => s.Key == key);

    public bool Contains(string key) => Find(key).Any();

    /// <summary>
    /// The value xl sees for <paramref name="key"/>: the last "=" with every later "+=" appended; null when the key is absent.
    /// With "+=" the result is a new (detached) value holding the concatenation.
    /// </summary>
    public XlConfigValue? GetValue(string key)
    {
        var contributing = Contributing(key);
        if (contributing.Count == 0) return null;
        if (contributing.Count == 1) return contributing[0].Value;
        if (contributing[0].Value is XlConfigList)
            return XlConfigList.Create(contributing.SelectMany(s => s.Value is XlConfigList l ? l.Items : Array.Empty<XlConfigValue>()));
        var text = string.Concat(contributing.Select(s => s.Value is XlConfigAtom a ? a.Value : string.Empty));
        return XlConfigAtom.FromString(text);
    }

    /// <summary>True when xl would read <paramref name="key"/> through "+=" (xl refuses "+=" for numbers).</summary>
    public bool IsAppended(string key)
    {
        var contributing = Contributing(key);
        return contributing.Count > 0 && contributing[contributing.Count - 1].Operator == XlConfigOperator.Append;
    }

    /// <summary>The statements that make up the key's value: the last "=" and the "+=" after it (all of them when there is no "=").</summary>
    private List<XlConfigSetting> Contributing(string key)
    {
        var settings = Find(key).ToList();
        var lastAssign = settings.FindLastIndex(s => s.Operator == XlConfigOperator.Assign);
        return lastAssign < 0 ? settings : settings.Skip(lastAssign).ToList();
    }

    /// <summary>
    /// Sets a key: replaces the value of its last "=" statement (removing the "+=" statements after it, which would
    /// change the value), or appends "key = value" on a new line at the end of the file. Earlier, overridden
    /// statements are left as they are.
    /// </summary>
    public void SetValue(string key, XlConfigValue value)
    {
        CheckKey(key);
        if (value is null) throw new ArgumentNullException(nameof(value));
        value = Detach(value);
        var settings = Find(key).ToList();
        var target = TargetOf(settings);
        if (target is null)
        {
            AppendSetting(XlConfigSetting.Create(key, value));
            return;
        }
        if (target.Operator == XlConfigOperator.Append) target.MakeAssignment();
        target.ReplaceValue(value);
        foreach (var later in settings.Skip(settings.IndexOf(target) + 1)) RemoveSetting(later);
    }

    /// <summary>Sets a string, keeping the quote character of the value it replaces ('"' for a new key).</summary>
    public void SetString(string key, string value)
    {
        var quote = (TargetOf(Find(key).ToList())?.Value as XlConfigAtom)?.Quote ?? '"';
        SetValue(key, XlConfigAtom.FromString(value, quote));
    }

    /// <summary>Sets a number, keeping the style of the value it replaces (decimal, 0x hex, 0 octal, or a quoted number).</summary>
    public void SetNumber(string key, long value)
    {
        var current = TargetOf(Find(key).ToList())?.Value as XlConfigAtom;
        var style = current is null ? XlNumberStyle.Decimal : XlConfigText.StyleOf(current.Value.Trim());
        if (current?.Quote is { } quote)
        {
            SetValue(key, XlConfigAtom.FromNumberAsString(value, style, quote));
            return;
        }
        SetValue(key, XlConfigAtom.FromNumber(value, style, '"'));
    }

    /// <summary>The statement <see cref="SetValue"/> rewrites: the last "=", else the first "+=".</summary>
    private static XlConfigSetting? TargetOf(List<XlConfigSetting> settings)
    {
        if (settings.Count == 0) return null;
        var lastAssign = settings.FindLastIndex(s => s.Operator == XlConfigOperator.Assign);
        return lastAssign >= 0 ? settings[lastAssign] : settings[0];
    }

    /// <summary>Renames a statement's key in place (e.g. the deprecated builder into type), keeping its position.</summary>
    public void RenameKey(XlConfigSetting setting, string newKey)
    {
        if (setting is null) throw new ArgumentNullException(nameof(setting));
        CheckKey(newKey);
        if (!_nodes.Contains(setting)) throw new ArgumentException("The statement is not in this document.", nameof(setting));
        setting.ReplaceKey(newKey);
    }

    /// <summary>Removes every statement of the key (with its line when it is alone on it, its same-line comment included).</summary>
    public bool Remove(string key)
    {
        var settings = Find(key).ToList();
        foreach (var setting in settings) RemoveSetting(setting);
        return settings.Count > 0;
    }

    /// <summary>The elements of the key's list as xl sees them (the last "=" list and the "+=" lists after it); empty when absent or not a list.</summary>
    public IReadOnlyList<XlConfigValue> GetListItems(string key) =>
        ListSlots(key).Select(s => s.Item).ToList();

    /// <summary>Appends an element to the key's list in the list's own layout; creates "key = [ item ]" when the key is absent.</summary>
    /// <exception cref="InvalidOperationException">The key holds a string, not a list.</exception>
    public void AddListItem(string key, XlConfigValue item)
    {
        CheckKey(key);
        if (item is null) throw new ArgumentNullException(nameof(item));
        item = Detach(item);
        var contributing = Contributing(key);
        if (contributing.Count == 0)
        {
            AppendSetting(XlConfigSetting.Create(key, XlConfigList.Create(new[] { item })));
            return;
        }
        if (contributing[contributing.Count - 1].Value is not XlConfigList list)
            throw new InvalidOperationException($"'{key}' holds a single value, not a list.");
        list.AppendItem(item, LineEnding);
    }

    /// <summary>Removes the element at <paramref name="index"/> of the key's list (as numbered by <see cref="GetListItems"/>).</summary>
    public void RemoveListItem(string key, int index)
    {
        var slot = Slot(key, index);
        slot.List.RemoveItem(slot.Item);
    }

    /// <summary>Replaces the element at <paramref name="index"/> of the key's list, in place.</summary>
    public void ReplaceListItem(string key, int index, XlConfigValue item)
    {
        if (item is null) throw new ArgumentNullException(nameof(item));
        var slot = Slot(key, index);
        slot.List.ReplaceItem(slot.Item, Detach(item));
    }

    /// <summary>The quote character of the key's last string element ('\'' when there is none): new elements use it.</summary>
    public char ListQuote(string key) =>
        ListSlots(key).Select(s => (s.Item as XlConfigAtom)?.Quote).LastOrDefault(q => q is not null) ?? '\'';

    private (XlConfigList List, XlConfigValue Item) Slot(string key, int index)
    {
        var slots = ListSlots(key);
        if (index < 0 || index >= slots.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"'{key}' has {slots.Count} list element(s).");
        return slots[index];
    }

    private List<(XlConfigList List, XlConfigValue Item)> ListSlots(string key)
    {
        var slots = new List<(XlConfigList, XlConfigValue)>();
        foreach (var setting in Contributing(key))
        {
            if (setting.Value is not XlConfigList list) return new List<(XlConfigList, XlConfigValue)>();
            slots.AddRange(list.Items.Select(i => (list, i)));
        }
        return slots;
    }

    /// <summary>A fresh copy of a value (its exact text, parsed again), so no node ever sits in two places of a tree.</summary>
    private static XlConfigValue Detach(XlConfigValue value)
    {
        var copy = XlConfigParser.Parse("k = " + value + "\n", null, out _);
        return ((XlConfigSetting)copy[0]).Value;
    }

    private static void CheckKey(string key)
    {
        if (key is null) throw new ArgumentNullException(nameof(key));
        if (!KeyPattern.IsMatch(key))
            throw new ArgumentException($"'{key}' is not a valid xl.cfg key: keys match [a-z][._0-9a-z]* (lowercase).", nameof(key));
    }

    private IEnumerable<XlConfigToken> AllTokens()
    {
        foreach (var node in _nodes)
        {
            foreach (var token in Flatten(node)) yield return token;
        }
    }

    private static IEnumerable<XlConfigToken> Flatten(XlConfigNode node)
    {
        switch (node)
        {
            case XlConfigToken token:
                yield return token;
                break;
            case XlConfigSetting setting:
                foreach (var child in setting.Nodes)
                {
                    foreach (var t in Flatten(child)) yield return t;
                }
                break;
            case XlConfigAtom atom:
                yield return atom.Token;
                break;
            case XlConfigList list:
                foreach (var child in list.Nodes)
                {
                    foreach (var t in Flatten(child)) yield return t;
                }
                break;
        }
    }

    private bool IsTokenAt(int index, XlConfigTokenKind kind) =>
        index >= 0 && index < _nodes.Count && _nodes[index] is XlConfigToken t && t.Kind == kind;

    /// <summary>Adds a statement as the last line. A file without a final line break keeps not having one.</summary>
    private void AppendSetting(XlConfigSetting setting)
    {
        var lineEnding = LineEnding;
        if (_nodes.Count == 0)
        {
            _nodes.Add(setting);
            _nodes.Add(XlConfigToken.NewLine(lineEnding));
            return;
        }
        if (IsTokenAt(_nodes.Count - 1, XlConfigTokenKind.Newline))
        {
            _nodes.Add(setting);
            _nodes.Add(XlConfigToken.NewLine(lineEnding));
            return;
        }
        _nodes.Add(XlConfigToken.NewLine(lineEnding));
        _nodes.Add(setting);
    }

    private void RemoveSetting(XlConfigSetting setting)
    {
        var index = _nodes.IndexOf(setting);
        var before = index - 1;
        while (IsTokenAt(before, XlConfigTokenKind.Whitespace)) before--;
        var after = index + 1;
        while (IsTokenAt(after, XlConfigTokenKind.Whitespace)) after++;

        var startsLine = before < 0 || IsTokenAt(before, XlConfigTokenKind.Newline);
        var lineEnd = after;
        if (IsTokenAt(lineEnd, XlConfigTokenKind.Semicolon))
        {
            // "key = value ;  # comment" alone on its line goes as a whole line too
            lineEnd++;
            while (IsTokenAt(lineEnd, XlConfigTokenKind.Whitespace)) lineEnd++;
        }
        if (IsTokenAt(lineEnd, XlConfigTokenKind.Comment)) lineEnd++;
        var endsLine = lineEnd >= _nodes.Count || IsTokenAt(lineEnd, XlConfigTokenKind.Newline);

        if (startsLine && endsLine)
        {
            var start = before + 1;
            if (lineEnd < _nodes.Count)
            {
                _nodes.RemoveRange(start, lineEnd - start + 1);
                return;
            }
            // The last line had no line break: drop the one before it, unless it ends a comment (xl needs "#...\n").
            if (before >= 0 && !IsTokenAt(before - 1, XlConfigTokenKind.Comment)) start = before;
            _nodes.RemoveRange(start, _nodes.Count - start);
            return;
        }

        if (IsTokenAt(after, XlConfigTokenKind.Semicolon))
        {
            // "a = 1; b = 2" minus a -> "b = 2"
            var end = after + 1;
            while (IsTokenAt(end, XlConfigTokenKind.Whitespace)) end++;
            var start = startsLine ? index : before + 1;
            if (!startsLine && end < _nodes.Count && !IsTokenAt(end, XlConfigTokenKind.Newline)) start = index;
            _nodes.RemoveRange(start, end - start);
            return;
        }

        if (IsTokenAt(before, XlConfigTokenKind.Semicolon))
        {
            // "a = 1; b = 2" minus b -> "a = 1"
            var start = before;
            while (IsTokenAt(start - 1, XlConfigTokenKind.Whitespace)) start--;
            _nodes.RemoveRange(start, after - start);
            return;
        }

        _nodes.RemoveRange(before + 1, index - before);
    }
}
