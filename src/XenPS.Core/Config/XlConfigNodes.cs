using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace XenPS.Core.Config;

/// <summary>The lexical classes of xl.cfg (libxlutil's libxlu_cfg_l.l), plus the trivia xl skips.</summary>
public enum XlConfigTokenKind
{
    /// <summary>A run of spaces and tabs.</summary>
    Whitespace,

    /// <summary>"\n", or "\r\n" (accepted for round-tripping; see <see cref="XlConfigDocument.GetCompatibilityIssues"/>).</summary>
    Newline,

    /// <summary>"#" to the end of the line, without the line break.</summary>
    Comment,

    Semicolon,

    /// <summary>A key: [a-z][._0-9a-z]*.</summary>
    Identifier,

    /// <summary>[0-9][0-9a-fx]* exactly as written (xl keeps numbers as text and converts them with strtol when read).</summary>
    Number,

    /// <summary>A quoted string, quotes and escapes included.</summary>
    String,

    Equals,
    PlusEquals,
    Comma,
    OpenBracket,
    CloseBracket,
}

/// <summary>A piece of an xl.cfg file. Every node writes back exactly the text it was parsed from.</summary>
public abstract class XlConfigNode
{
    /// <summary>1-based line where the node starts in the parsed text; 0 for nodes created by an edit.</summary>
    public abstract int Line { get; }

    /// <summary>1-based column where the node starts in the parsed text; 0 for nodes created by an edit.</summary>
    public abstract int Column { get; }

    internal abstract void WriteTo(StringBuilder builder);

    /// <summary>The node's exact text.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        WriteTo(builder);
        return builder.ToString();
    }
}

/// <summary>One token, trivia included.</summary>
public sealed class XlConfigToken : XlConfigNode
{
    internal XlConfigToken(XlConfigTokenKind kind, string text, int line = 0, int column = 0)
    {
        Kind = kind;
        Text = text;
        Line = line;
        Column = column;
    }

    public XlConfigTokenKind Kind { get; }

    public string Text { get; }

    public override int Line { get; }

    public override int Column { get; }

    /// <summary>Whitespace, a comment or a line break.</summary>
    public bool IsTrivia => Kind is XlConfigTokenKind.Whitespace or XlConfigTokenKind.Newline or XlConfigTokenKind.Comment;

    internal override void WriteTo(StringBuilder builder) => builder.Append(Text);

    internal static XlConfigToken Space(string text = " ") => new(XlConfigTokenKind.Whitespace, text);

    internal static XlConfigToken NewLine(string text) => new(XlConfigTokenKind.Newline, text);

    internal static XlConfigToken CommaToken() => new(XlConfigTokenKind.Comma, ",");
}

/// <summary>A value: an atom (string or number) or a list.</summary>
public abstract class XlConfigValue : XlConfigNode
{
    /// <summary>The value as plain .NET data: a string for an atom (numbers as written), a read-only list of such objects for a list.</summary>
    public abstract object ToData();
}

/// <summary>A string or a number. xl stores both as text: <c>memory = "1024"</c> is as good as <c>memory = 1024</c>.</summary>
public sealed class XlConfigAtom : XlConfigValue
{
    internal XlConfigAtom(XlConfigToken token, string value)
    {
        Token = token;
        Value = value;
    }

    public XlConfigToken Token { get; }

    /// <summary>The decoded value: a string without quotes and with escapes resolved, or a number's text.</summary>
    public string Value { get; }

    public bool IsString => Token.Kind == XlConfigTokenKind.String;

    /// <summary>The quote character of a string ('"' or '\''); null for a number.</summary>
    public char? Quote => IsString ? Token.Text[0] : null;

    public override int Line => Token.Line;

    public override int Column => Token.Column;

    public override object ToData() => Value;

    internal override void WriteTo(StringBuilder builder) => Token.WriteTo(builder);

    /// <summary>A quoted string, escaped so xl reads back exactly <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The value holds a NUL character (xl strings are C strings) or the quote is not ' or ".</exception>
    public static XlConfigAtom FromString(string value, char quote = '"')
    {
        if (value is null) throw new ArgumentNullException(nameof(value));
        return new XlConfigAtom(new XlConfigToken(XlConfigTokenKind.String, XlConfigText.Quote(value, quote)), value);
    }

    /// <summary>A number in decimal (negative numbers are written as quoted strings: xl's lexer has no minus sign).</summary>
    public static XlConfigAtom FromNumber(long value) => FromNumber(value, XlNumberStyle.Decimal, '"');

    internal static XlConfigAtom FromNumber(long value, XlNumberStyle style, char quoteForNegative)
    {
        var text = XlConfigText.FormatNumber(value, style);
        if (value < 0) return FromString(text, quoteForNegative);
        return new XlConfigAtom(new XlConfigToken(XlConfigTokenKind.Number, text), text);
    }

    /// <summary>A quoted number text, for keys whose current value is a quoted number.</summary>
    internal static XlConfigAtom FromNumberAsString(long value, XlNumberStyle style, char quote) =>
        FromString(XlConfigText.FormatNumber(value, style), quote);
}

/// <summary>A list "[ ... ]": its brackets, commas, line breaks and comments are kept as tokens next to the items.</summary>
public sealed class XlConfigList : XlConfigValue
{
    private const string DefaultIndent = "    ";

    internal XlConfigList(List<XlConfigNode> nodes)
    {
        Nodes = nodes;
    }

    /// <summary>'[' first, ']' last, items, commas and trivia in between.</summary>
    internal List<XlConfigNode> Nodes { get; }

    public IReadOnlyList<XlConfigNode> Children => Nodes;

    public IReadOnlyList<XlConfigValue> Items => Nodes.OfType<XlConfigValue>().ToList();

    public override int Line => Nodes[0].Line;

    public override int Column => Nodes[0].Column;

    public override object ToData() => Items.Select(i => i.ToData()).ToList().AsReadOnly();

    internal override void WriteTo(StringBuilder builder)
    {
        foreach (var node in Nodes) node.WriteTo(builder);
    }

    /// <summary>A new list in xl's usual one-line style: <c>[ 'a', 'b' ]</c> (an empty list is <c>[ ]</c>).</summary>
    public static XlConfigList Create(IEnumerable<XlConfigValue> items)
    {
        if (items is null) throw new ArgumentNullException(nameof(items));
        var nodes = new List<XlConfigNode> { new XlConfigToken(XlConfigTokenKind.OpenBracket, "[") };
        var first = true;
        foreach (var item in items)
        {
            if (!first) nodes.Add(XlConfigToken.CommaToken());
            nodes.Add(XlConfigToken.Space());
            nodes.Add(item);
            first = false;
        }
        nodes.Add(XlConfigToken.Space());
        nodes.Add(new XlConfigToken(XlConfigTokenKind.CloseBracket, "]"));
        return new XlConfigList(nodes);
    }

    private bool IsTokenAt(int index, XlConfigTokenKind kind) =>
        index >= 0 && index < Nodes.Count && Nodes[index] is XlConfigToken t && t.Kind == kind;

    private int SkipWhitespaceForward(int index)
    {
        while (IsTokenAt(index, XlConfigTokenKind.Whitespace)) index++;
        return index;
    }

    private int SkipWhitespaceBackward(int index)
    {
        while (IsTokenAt(index, XlConfigTokenKind.Whitespace)) index--;
        return index;
    }

    /// <summary>The index of the first Newline token at or after <paramref name="from"/> and before the closing bracket, or -1.</summary>
    private int NextNewline(int from)
    {
        for (var i = from; i < Nodes.Count - 1; i++)
        {
            if (Nodes[i] is XlConfigToken { Kind: XlConfigTokenKind.Newline }) return i;
            if (Nodes[i] is XlConfigValue) return -1;
        }
        return -1;
    }

    /// <summary>True when the item at <paramref name="index"/> is the first thing on its line.</summary>
    private bool StartsLine(int index) => IsTokenAt(SkipWhitespaceBackward(index - 1), XlConfigTokenKind.Newline);

    /// <summary>Appends an item in the list's own layout: one item per line (same indentation) or inline with the same separator.</summary>
    internal void AppendItem(XlConfigValue item, string lineEnding)
    {
        var close = Nodes.Count - 1;
        var itemIndexes = Enumerable.Range(0, Nodes.Count).Where(i => Nodes[i] is XlConfigValue).ToList();
        if (itemIndexes.Count == 0)
        {
            var inner = Nodes.Skip(1).Take(close - 1).ToList();
            if (!inner.Any(n => n is XlConfigToken { Kind: XlConfigTokenKind.Newline }))
            {
                // "[]" -> "[x]", "[ ]" -> "[ x ]"
                var space = string.Concat(inner.Select(n => n.ToString()));
                var insert = new List<XlConfigNode> { item };
                if (space.Length > 0) insert.Add(XlConfigToken.Space(space));
                Nodes.InsertRange(close, insert);
                return;
            }
            // "[\n]" -> "[\n    x\n]": the item goes after the last line break, before the indentation of ']'
            var lastBreak = Nodes.FindLastIndex(close, n => n is XlConfigToken { Kind: XlConfigTokenKind.Newline });
            Nodes.InsertRange(lastBreak + 1, new XlConfigNode[] { XlConfigToken.Space(DefaultIndent), item, XlConfigToken.NewLine(lineEnding) });
            return;
        }

        var last = itemIndexes[itemIndexes.Count - 1];
        var afterLast = SkipWhitespaceForward(last + 1);
        var hasTrailingComma = IsTokenAt(afterLast, XlConfigTokenKind.Comma);
        if (StartsLine(last))
        {
            var indent = IsTokenAt(last - 1, XlConfigTokenKind.Whitespace) ? ((XlConfigToken)Nodes[last - 1]).Text : string.Empty;
            var lineItem = new List<XlConfigNode>();
            if (indent.Length > 0) lineItem.Add(XlConfigToken.Space(indent));
            lineItem.Add(item);
            if (hasTrailingComma)
            {
                lineItem.Add(XlConfigToken.CommaToken());
                var breakAfterComma = NextNewline(afterLast + 1);
                if (breakAfterComma >= 0)
                {
                    lineItem.Add(XlConfigToken.NewLine(lineEnding));
                    Nodes.InsertRange(breakAfterComma + 1, lineItem);
                }
                else
                {
                    lineItem.Insert(0, XlConfigToken.NewLine(lineEnding));
                    Nodes.InsertRange(afterLast + 1, lineItem);
                }
            }
            else
            {
                var breakAfterItem = NextNewline(last + 1);
                if (breakAfterItem >= 0)
                {
                    lineItem.Add(XlConfigToken.NewLine(lineEnding));
                    Nodes.InsertRange(breakAfterItem + 1, lineItem);
                }
                else
                {
                    lineItem.Insert(0, XlConfigToken.NewLine(lineEnding));
                    Nodes.InsertRange(last + 1, lineItem);
                }
                Nodes.Insert(last + 1, XlConfigToken.CommaToken());
            }
            return;
        }

        // Inline: reuse the separator written between the last two items (", " unless the list says otherwise).
        var separator = " ";
        if (itemIndexes.Count >= 2)
        {
            var previous = itemIndexes[itemIndexes.Count - 2];
            var comma = SkipWhitespaceForward(previous + 1);
            if (IsTokenAt(comma, XlConfigTokenKind.Comma))
            {
                var between = Nodes.Skip(comma + 1).Take(last - comma - 1).ToList();
                if (between.All(n => n is XlConfigToken { Kind: XlConfigTokenKind.Whitespace }))
                    separator = string.Concat(between.Select(n => n.ToString()));
            }
        }
        var inline = new List<XlConfigNode>();
        if (hasTrailingComma)
        {
            if (separator.Length > 0) inline.Add(XlConfigToken.Space(separator));
            inline.Add(item);
            inline.Add(XlConfigToken.CommaToken());
            Nodes.InsertRange(afterLast + 1, inline);
        }
        else
        {
            inline.Add(XlConfigToken.CommaToken());
            if (separator.Length > 0) inline.Add(XlConfigToken.Space(separator));
            inline.Add(item);
            Nodes.InsertRange(last + 1, inline);
        }
    }

    /// <summary>Removes an item with its comma; an item alone on its line goes with the whole line (its comment included).</summary>
    internal void RemoveItem(XlConfigValue item)
    {
        var index = Nodes.IndexOf(item);
        if (index < 0) throw new ArgumentException("The item is not in this list.", nameof(item));

        var after = SkipWhitespaceForward(index + 1);
        var comma = IsTokenAt(after, XlConfigTokenKind.Comma) ? after : -1;
        var lineEnd = comma >= 0 ? SkipWhitespaceForward(comma + 1) : after;
        if (IsTokenAt(lineEnd, XlConfigTokenKind.Comment)) lineEnd++;
        if (StartsLine(index) && IsTokenAt(lineEnd, XlConfigTokenKind.Newline))
        {
            var lineStart = SkipWhitespaceBackward(index - 1) + 1;
            Nodes.RemoveRange(lineStart, lineEnd - lineStart + 1);
            return;
        }

        if (comma >= 0)
        {
            var end = SkipWhitespaceForward(comma + 1);
            var start = index;
            // "[ a,\n b ]" minus a: also drop the blanks before a, which would dangle at the end of the line
            if (end < Nodes.Count && Nodes[end] is XlConfigToken { Kind: XlConfigTokenKind.Newline or XlConfigTokenKind.Comment })
                start = SkipWhitespaceBackward(index - 1) + 1;
            Nodes.RemoveRange(start, end - start);
            return;
        }

        var before = SkipWhitespaceBackward(index - 1);
        if (IsTokenAt(before, XlConfigTokenKind.Comma))
        {
            var start = SkipWhitespaceBackward(before - 1) + 1;
            if (!(Nodes[start - 1] is XlConfigValue)) start = before; // keep line breaks and comments before the comma
            Nodes.RemoveRange(start, index - start + 1);
            return;
        }
        var first = before + 1;
        Nodes.RemoveRange(first, index - first + 1);
    }

    internal void ReplaceItem(XlConfigValue oldItem, XlConfigValue newItem)
    {
        var index = Nodes.IndexOf(oldItem);
        if (index < 0) throw new ArgumentException("The item is not in this list.", nameof(oldItem));
        Nodes[index] = newItem;
    }
}

/// <summary>"=" or "+=".</summary>
public enum XlConfigOperator
{
    Assign,

    /// <summary>"+=": appends to the previous value of the key (string concatenation or list concatenation).</summary>
    Append,
}

/// <summary>One statement "key = value" or "key += value", with the blanks between its parts.</summary>
public sealed class XlConfigSetting : XlConfigNode
{
    internal XlConfigSetting(List<XlConfigNode> nodes)
    {
        Nodes = nodes;
    }

    /// <summary>Key token, blanks, operator, blanks, value (the statement's terminator belongs to the document).</summary>
    internal List<XlConfigNode> Nodes { get; }

    public IReadOnlyList<XlConfigNode> Children => Nodes;

    public XlConfigToken KeyToken => (XlConfigToken)Nodes[0];

    public string Key => KeyToken.Text;

    public XlConfigToken OperatorToken => Nodes.OfType<XlConfigToken>().First(t => t.Kind is XlConfigTokenKind.Equals or XlConfigTokenKind.PlusEquals);

    public XlConfigOperator Operator => OperatorToken.Kind == XlConfigTokenKind.PlusEquals ? XlConfigOperator.Append : XlConfigOperator.Assign;

    public XlConfigValue Value => (XlConfigValue)Nodes[Nodes.Count - 1];

    public override int Line => Nodes[0].Line;

    public override int Column => Nodes[0].Column;

    internal override void WriteTo(StringBuilder builder)
    {
        foreach (var node in Nodes) node.WriteTo(builder);
    }

    internal static XlConfigSetting Create(string key, XlConfigValue value) =>
        new(new List<XlConfigNode>
        {
            new XlConfigToken(XlConfigTokenKind.Identifier, key),
            XlConfigToken.Space(),
            new XlConfigToken(XlConfigTokenKind.Equals, "="),
            XlConfigToken.Space(),
            value,
        });

    internal void ReplaceValue(XlConfigValue value) => Nodes[Nodes.Count - 1] = value;

    internal void ReplaceKey(string key) => Nodes[0] = new XlConfigToken(XlConfigTokenKind.Identifier, key);

    internal void MakeAssignment()
    {
        var index = Nodes.IndexOf(OperatorToken);
        Nodes[index] = new XlConfigToken(XlConfigTokenKind.Equals, "=");
    }
}
