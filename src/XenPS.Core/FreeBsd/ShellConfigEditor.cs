using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Core.FreeBsd;

/// <summary>Reads and edits <c>name=value</c> files the way sysrc(8) does: /etc/rc.conf, /boot/loader.conf and
/// /etc/sysctl.conf (<see cref="ShellConfigDialect"/>). Pure text transforms: every byte that is not the edited value
/// (comments, order, blank lines, other quoting, trailing blanks, CRLF, a missing final newline) is kept.
/// <para>Reading: the last assignment wins (for loader.conf, the last one the loader accepts). Writing
/// (<see cref="Set"/>): the value of the last assignment is replaced in place, keeping its quoting when the new value
/// can be written that way; without an assignment, <c>name="value"</c> (sysctl.conf: <c>name=value</c>) is appended
/// at the end. <see cref="Remove"/> deletes every assignment line of the name. A value that cannot be written safely
/// for the file's reader is refused with an <see cref="ArgumentException"/>, a file that cannot be edited safely with a
/// <see cref="XenConfigFileException"/>; in both cases before anything changes.</para></summary>
public sealed class ShellConfigEditor
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;
    private static readonly Regex RcName = new(@"^[A-Za-z_][A-Za-z0-9_]*$", Options);
    private static readonly Regex LoaderName = new(@"^[A-Za-z0-9][A-Za-z0-9_.-]*$", Options);
    private static readonly Regex SysctlName = new(@"^[A-Za-z0-9_%-]+(\.[A-Za-z0-9_%-]+)*$", Options);
    private static readonly Regex RcLine = new(@"^[ \t\f\v]*([A-Za-z_][A-Za-z0-9_]*)=", Options);
    private static readonly Regex LoaderLine = new(@"^[ \t\f\v]*([-A-Za-z0-9_.]+)[ \t\f\v]*=[ \t\f\v]*", Options);
    private static readonly Regex LoaderWord = new(@"^[-A-Za-z0-9][-A-Za-z0-9_.]*", Options);
    private static readonly Regex LoaderModuleSetting = new(@"^[-A-Za-z0-9_]+_(load|name|type|flags|before|after|error)$", Options);
    private static readonly Regex LoaderVariable = new(@"^[A-Za-z0-9][-A-Za-z0-9_.]*", Options);
    private static readonly Regex BlankOrComment = new(@"^[ \t\f\v\r]*(#.*)?$", Options | RegexOptions.Singleline);

    // sysctl -f reads each line with fgets() into a BUFSIZ (1024) buffer.
    private const int SysctlMaxLine = 1022;

    private ShellConfigEditor(ShellConfigDialect dialect) => Dialect = dialect;

    /// <summary>/etc/rc.conf and friends (sh).</summary>
    public static ShellConfigEditor RcConf { get; } = new(ShellConfigDialect.RcConf);

    /// <summary>/boot/loader.conf (loader(8)).</summary>
    public static ShellConfigEditor LoaderConf { get; } = new(ShellConfigDialect.LoaderConf);

    /// <summary>/etc/sysctl.conf (sysctl -f).</summary>
    public static ShellConfigEditor SysctlConf { get; } = new(ShellConfigDialect.SysctlConf);

    public static ShellConfigEditor For(ShellConfigDialect dialect) => dialect switch
    {
        ShellConfigDialect.RcConf => RcConf,
        ShellConfigDialect.LoaderConf => LoaderConf,
        ShellConfigDialect.SysctlConf => SysctlConf,
        _ => throw new ArgumentOutOfRangeException(nameof(dialect)),
    };

    public ShellConfigDialect Dialect { get; }

    private string FileLabel => Dialect switch
    {
        ShellConfigDialect.RcConf => "rc.conf",
        ShellConfigDialect.LoaderConf => "loader.conf",
        _ => "sysctl.conf",
    };

    /// <summary>Every assignment of every name, in file order, malformed ones included.</summary>
    public IReadOnlyList<ShellAssignment> GetAssignments(string text) => Parse(Checked(text), out _);

    /// <summary>Every assignment of <paramref name="name"/>, in file order, malformed ones included.</summary>
    public IReadOnlyList<ShellAssignment> GetAssignments(string text, string name)
    {
        CheckName(name);
        return Parse(Checked(text), out _).Where(a => a.Name == name).ToList();
    }

    /// <summary>The assignment that wins: the last well-formed one; null when the name is not set.</summary>
    public ShellAssignment? GetEffective(string text, string name) => Effective(GetAssignments(text, name));

    /// <summary>The value the reader ends up with (see <see cref="ShellAssignment.Value"/>); null when not set.</summary>
    public string? GetValue(string text, string name) => GetEffective(text, name)?.Value;

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> (see the class remarks).
    /// Before is the effective value before (null: not set), After the new value.</summary>
    /// <exception cref="ArgumentException">Invalid name, or a value this file's reader cannot hold safely.</exception>
    /// <exception cref="XenConfigFileException">The file cannot be edited safely (e.g. an unterminated quote).</exception>
    public ConfigEditResult Set(string text, string name, string value)
    {
        Checked(text);
        CheckName(name);
        CheckValue(name, value);
        var all = Parse(text, out var broken);
        ThrowIfBroken(broken);
        var mine = all.Where(a => a.Name == name).ToList();
        var effective = Effective(mine);
        var target = mine.Count > 0 ? mine[mine.Count - 1] : null;
        if (effective is not null && ReferenceEquals(effective, target) && effective.IsLiteral && effective.Value == value)
            return ConfigEditResult.Unchanged(text, value);

        string result;
        if (target is null || MustAppend(target))
        {
            result = AppendLine(text, name + "=" + Quote(value));
        }
        else
        {
            if (!target.SpanKnown)
                throw XenConfigFileException.Unsafe(target.LineNumber, $"the value of {name} cannot be delimited ({target.Problem}).");
            result = text.Substring(0, target.ValueStart) + Requote(value, target) + text.Substring(target.ValueEnd);
        }
        return new ConfigEditResult(result, !string.Equals(result, text, StringComparison.Ordinal), effective?.Value, value);
    }

    /// <summary>Deletes every assignment line of <paramref name="name"/> (like sysrc -x). Before is the effective
    /// value before, After is null.</summary>
    /// <exception cref="XenConfigFileException">An rc.conf line holds more than the assignment (e.g.
    /// <c>a=1; b=2</c>): deleting it would delete the rest too.</exception>
    public ConfigEditResult Remove(string text, string name)
    {
        Checked(text);
        CheckName(name);
        var all = Parse(text, out var broken);
        ThrowIfBroken(broken);
        var mine = all.Where(a => a.Name == name).ToList();
        if (mine.Count == 0) return ConfigEditResult.Unchanged(text, null);
        var edits = new TextEdits();
        foreach (var a in mine)
        {
            if (Dialect == ShellConfigDialect.RcConf && !BlankOrComment.IsMatch(text.Substring(a.ValueEnd, a.RestEnd - a.ValueEnd)))
                throw XenConfigFileException.Unsafe(a.LastLineNumber, $"the line that sets {name} also holds other commands.");
            edits.Delete(a.LineStart, a.End - a.LineStart);
        }
        return new ConfigEditResult(edits.Apply(text), true, Effective(mine)?.Value, null);
    }

    /// <summary>Comments out every assignment of <paramref name="name"/> (every line of a multi-line rc.conf value)
    /// by putting a '#' in front of it, with the comment line <c># NOTE</c> before the first one, so that the file no
    /// longer sets the name and the admin sees what was there and why. Every other byte is kept. Before is the
    /// file's effective value, After is null.</summary>
    /// <exception cref="ArgumentException">The note holds a control character.</exception>
    /// <exception cref="XenConfigFileException">An rc.conf line holds more than the assignment (e.g.
    /// <c>a=1; b=2</c>), or the file cannot be read safely (an unterminated quote).</exception>
    public ConfigEditResult Disable(string text, string name, string note)
    {
        Checked(text);
        CheckName(name);
        if (note is null) throw new ArgumentNullException(nameof(note));
        if (note.Any(ConfigText.IsControl)) throw new ArgumentException("A comment cannot hold control characters.", nameof(note));
        var all = Parse(text, out var broken);
        ThrowIfBroken(broken);
        var mine = all.Where(a => a.Name == name).ToList();
        if (mine.Count == 0) return ConfigEditResult.Unchanged(text, null);
        var lines = ConfigText.Lines(text);
        var edits = new TextEdits();
        var first = true;
        foreach (var a in mine)
        {
            if (Dialect == ShellConfigDialect.RcConf && !BlankOrComment.IsMatch(text.Substring(a.ValueEnd, a.RestEnd - a.ValueEnd)))
                throw XenConfigFileException.Unsafe(a.LastLineNumber, $"the line that sets {name} also holds other commands.");
            if (first)
            {
                edits.Insert(a.LineStart, "# " + note + ConfigText.NewLine(text, lines));
                first = false;
            }
            for (var n = a.LineNumber; n <= a.LastLineNumber; n++) edits.Insert(lines[n - 1].Start, "#");
        }
        return new ConfigEditResult(edits.Apply(text), true, Effective(mine)?.Value, null);
    }

    /// <summary>Edits the space-separated word list held by <paramref name="name"/> (e.g. xen_cmdline), keeping the
    /// words the edit does not touch, their order and spacing, then writes it back with <see cref="Set"/>.
    /// A name that is not set starts from an empty list (and stays unset if the list stays empty).</summary>
    /// <exception cref="XenConfigFileException">The current value uses expansions ($var, `cmd`).</exception>
    public ConfigEditResult EditWordList(string text, string name, Action<WordList> edit)
    {
        if (edit is null) throw new ArgumentNullException(nameof(edit));
        var current = GetEffective(text, name);
        if (current is not null && !current.IsLiteral)
            throw XenConfigFileException.Unsafe(current.LineNumber, $"the value of {name} uses expansions ({current.RawValue}).");
        var list = WordList.Parse(current?.Value);
        edit(list);
        var value = list.ToString();
        if (current is null && value.Length == 0) return ConfigEditResult.Unchanged(text, null);
        return Set(text, name, value);
    }

    /// <summary>The value as <see cref="Set"/> writes it on a new line: rc.conf <c>"..."</c> with \ " $ ` escaped by a
    /// backslash; loader.conf <c>"..."</c>; sysctl.conf the bare value. Validates it first.</summary>
    public string Quote(string value)
    {
        CheckValue("value", value);
        return Dialect switch
        {
            ShellConfigDialect.RcConf => DoubleQuoteSh(value),
            ShellConfigDialect.LoaderConf => "\"" + value + "\"",
            _ => value,
        };
    }

    /// <summary>True when the name is valid for this file (rc.conf: an sh variable name; loader.conf: letters,
    /// digits, '_', '-', '.', starting with a letter or digit; sysctl.conf: a dotted sysctl name).</summary>
    public bool IsValidName(string name) => name is not null && NameRegex.IsMatch(name);

    private Regex NameRegex => Dialect switch
    {
        ShellConfigDialect.RcConf => RcName,
        ShellConfigDialect.LoaderConf => LoaderName,
        _ => SysctlName,
    };

    private static string Checked(string text) => text ?? throw new ArgumentNullException(nameof(text));

    private void CheckName(string name)
    {
        if (name is null) throw new ArgumentNullException(nameof(name));
        if (!NameRegex.IsMatch(name))
            throw new ArgumentException($"{ConfigText.Show(name)} is not a valid {FileLabel} variable name.", nameof(name));
    }

    private void CheckValue(string name, string value)
    {
        if (value is null) throw new ArgumentNullException(nameof(value));
        string? why = null;
        if (value.Any(ConfigText.IsControl))
        {
            why = "it contains a control character (newline, carriage return, tab...), which cannot be written on one line";
        }
        else if (Dialect == ShellConfigDialect.LoaderConf)
        {
            if (value.IndexOf('"') >= 0) why = "loader.conf has no way to hold a double quote in a value that every loader reads the same";
            else if (value.IndexOf('\\') >= 0) why = "the loader treats a backslash as an escape";
            else if (value.IndexOf('$') >= 0) why = "the loader expands $name in values";
        }
        else if (Dialect == ShellConfigDialect.SysctlConf)
        {
            if (value.IndexOfAny(new[] { '"', '\'', '\\', '#' }) >= 0) why = "sysctl.conf has no escapes: quotes, backslashes and # cannot be written";
            else if (value.Length > 0 && (value[0] == ' ' || value[value.Length - 1] == ' ')) why = "sysctl strips leading and trailing blanks";
            else if (name.Length + 1 + value.Length > SysctlMaxLine) why = "the line would be longer than sysctl -f reads";
        }
        if (why is not null)
            throw new ArgumentException($"Cannot set {name} to {ConfigText.Show(value)} in {FileLabel}: {why}.", nameof(value));
    }

    private static void ThrowIfBroken(ShellAssignment? broken)
    {
        if (broken is not null)
            throw XenConfigFileException.Unsafe(broken.LineNumber, $"{broken.Problem}: for sh the rest of the file belongs to the value of {broken.Name}.");
    }

    private static ShellAssignment? Effective(IReadOnlyList<ShellAssignment> mine)
    {
        for (var n = mine.Count - 1; n >= 0; n--)
        {
            if (!mine[n].IsMalformed) return mine[n];
        }
        return null;
    }

    // sysrc leaves alone a last assignment whose value starts with ` $ or \ ("we did not generate them") and appends a
    // new one, which wins. A multi-line value is treated the same way.
    private bool MustAppend(ShellAssignment target) =>
        Dialect == ShellConfigDialect.RcConf &&
        (target.IsMultiLine || (target.RawValue.Length > 0 && "$`\\".IndexOf(target.RawValue[0]) >= 0));

    private string Requote(string value, ShellAssignment target)
    {
        switch (Dialect)
        {
            case ShellConfigDialect.RcConf:
                if (target.QuoteStyle == ShellQuoteStyle.SingleQuoted && value.IndexOf('\'') < 0) return "'" + value + "'";
                if (target.QuoteStyle == ShellQuoteStyle.Unquoted && value.Length > 0 && value.All(IsShSafe)) return value;
                return DoubleQuoteSh(value);
            case ShellConfigDialect.LoaderConf:
                if (target.QuoteStyle == ShellQuoteStyle.Unquoted && !target.IsMalformed && IsLoaderWord(value)) return value;
                return "\"" + value + "\"";
            default:
                if (target.QuoteStyle == ShellQuoteStyle.DoubleQuoted) return "\"" + value + "\"";
                if (target.QuoteStyle == ShellQuoteStyle.SingleQuoted) return "'" + value + "'";
                return value;
        }
    }

    private static bool IsLoaderWord(string value)
    {
        var m = LoaderWord.Match(value);
        return m.Success && m.Length == value.Length;
    }

    // Characters that need no quoting in an sh word anywhere in it.
    private static bool IsShSafe(char c) =>
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '_' || c == '-' || c == '.' || c == ',' || c == ':' || c == '/' || c == '@' || c == '%' || c == '+' || c == '=';

    private static string DoubleQuoteSh(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c == '\\' || c == '"' || c == '$' || c == '`') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    private static string AppendLine(string text, string line)
    {
        var lines = ConfigText.Lines(text);
        var (position, insertion) = ConfigText.LineInsertion(text, lines, lines.Count, line);
        return text.Insert(position, insertion);
    }

    private List<ShellAssignment> Parse(string text, out ShellAssignment? broken)
    {
        broken = null;
        var lines = ConfigText.Lines(text);
        return Dialect switch
        {
            ShellConfigDialect.RcConf => ParseRc(text, lines, out broken),
            ShellConfigDialect.LoaderConf => ParseLoader(text, lines),
            _ => ParseSysctl(text, lines),
        };
    }

    // ---- rc.conf: sh ----

    private static List<ShellAssignment> ParseRc(string text, List<LineSpan> lines, out ShellAssignment? broken)
    {
        broken = null;
        var result = new List<ShellAssignment>();
        var consumed = 0;
        foreach (var line in lines)
        {
            if (line.Start < consumed) continue; // inside a multi-line value
            var m = RcLine.Match(line.Content(text));
            if (!m.Success) continue;
            var name = m.Groups[1].Value;
            var valueStart = line.Start + m.Length;
            var w = ShWord.Parse(text, valueStart);
            if (w.Problem is not null)
            {
                broken = new ShellAssignment(name, null, text.Substring(valueStart), ShellQuoteStyle.Mixed, false,
                    line.Number, lines.Count, w.Problem, line.Start, valueStart, text.Length, text.Length, text.Length, false);
                result.Add(broken);
                break;
            }
            var lastIndex = line.Index;
            while (lastIndex + 1 < lines.Count && lines[lastIndex].ContentEnd < w.End) lastIndex++;
            var last = lines[lastIndex];
            consumed = last.End;
            result.Add(new ShellAssignment(name, w.Value, text.Substring(valueStart, w.End - valueStart), w.Style, w.Literal,
                line.Number, last.Number, null, line.Start, valueStart, w.End, last.ContentEnd, last.End, true));
        }
        return result;
    }

    /// <summary>One sh word read the way sh reads it (quote removal, backslash escapes); expansions kept as written.</summary>
    private sealed class ShWord
    {
        public int End { get; private set; }
        public string Value { get; private set; } = string.Empty;
        public bool Literal { get; private set; } = true;
        public ShellQuoteStyle Style { get; private set; }
        public string? Problem { get; private set; }

        public static ShWord Parse(string s, int start)
        {
            var w = new ShWord();
            var sb = new StringBuilder();
            int singles = 0, doubles = 0;
            var bare = false;
            var i = start;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')')
                    break;
                if (c == '\'')
                {
                    var close = s.IndexOf('\'', i + 1);
                    if (close < 0) return Fail(w, "unterminated single quote");
                    sb.Append(s, i + 1, close - i - 1);
                    singles++;
                    i = close + 1;
                }
                else if (c == '"')
                {
                    var j = i + 1;
                    while (true)
                    {
                        if (j >= s.Length) return Fail(w, "unterminated double quote");
                        var d = s[j];
                        if (d == '"') break;
                        if (d == '\\' && j + 1 < s.Length)
                        {
                            var n = s[j + 1];
                            if (n == '\n') j += 2;
                            else if (n == '$' || n == '`' || n == '"' || n == '\\') { sb.Append(n); j += 2; }
                            else { sb.Append('\\'); j++; }
                            continue;
                        }
                        if (IsExpansionStart(s, j))
                        {
                            var e = SkipExpansion(s, j);
                            if (e < 0) return Fail(w, "unterminated expansion");
                            w.Literal = false;
                            sb.Append(s, j, e - j);
                            j = e;
                            continue;
                        }
                        sb.Append(d);
                        j++;
                    }
                    doubles++;
                    i = j + 1;
                }
                else if (c == '\\')
                {
                    bare = true;
                    if (i + 1 >= s.Length) { sb.Append('\\'); i++; }
                    else if (s[i + 1] == '\n') i += 2;
                    else { sb.Append(s[i + 1]); i += 2; }
                }
                else if (IsExpansionStart(s, i))
                {
                    var e = SkipExpansion(s, i);
                    if (e < 0) return Fail(w, "unterminated expansion");
                    w.Literal = false;
                    bare = true;
                    sb.Append(s, i, e - i);
                    i = e;
                }
                else
                {
                    bare = true;
                    sb.Append(c);
                    i++;
                }
            }
            w.End = i;
            w.Value = sb.ToString();
            w.Style = i == start ? ShellQuoteStyle.Empty
                : !bare && singles + doubles == 1 ? (singles == 1 ? ShellQuoteStyle.SingleQuoted : ShellQuoteStyle.DoubleQuoted)
                : singles + doubles == 0 ? ShellQuoteStyle.Unquoted
                : ShellQuoteStyle.Mixed;
            return w;
        }

        private static ShWord Fail(ShWord w, string problem)
        {
            w.Problem = problem;
            w.Literal = false;
            return w;
        }

        private static bool IsExpansionStart(string s, int i)
        {
            if (s[i] == '`') return true;
            if (s[i] != '$' || i + 1 >= s.Length) return false;
            var n = s[i + 1];
            return n == '{' || n == '(' || n == '_' || char.IsLetterOrDigit(n) || "@*#?-$!".IndexOf(n) >= 0;
        }

        // The index just after the expansion starting at i, or -1 when it does not end.
        private static int SkipExpansion(string s, int i)
        {
            if (s[i] == '`')
            {
                for (var k = i + 1; k < s.Length; k++)
                {
                    if (s[k] == '\\') k++;
                    else if (s[k] == '`') return k + 1;
                }
                return -1;
            }
            var n = s[i + 1];
            if (n == '{')
            {
                var close = s.IndexOf('}', i + 2);
                return close < 0 ? -1 : close + 1;
            }
            if (n == '(')
            {
                var depth = 1;
                var k = i + 2;
                while (k < s.Length)
                {
                    var c = s[k];
                    if (c == '\\') k += 2;
                    else if (c == '\'')
                    {
                        var q = s.IndexOf('\'', k + 1);
                        if (q < 0) return -1;
                        k = q + 1;
                    }
                    else if (c == '"')
                    {
                        k++;
                        while (k < s.Length && s[k] != '"') k += s[k] == '\\' ? 2 : 1;
                        if (k >= s.Length) return -1;
                        k++;
                    }
                    else if (c == '(') { depth++; k++; }
                    else if (c == ')')
                    {
                        k++;
                        if (--depth == 0) return k;
                    }
                    else k++;
                }
                return -1;
            }
            if (n == '_' || char.IsLetter(n))
            {
                var k = i + 1;
                while (k < s.Length && (s[k] == '_' || char.IsLetterOrDigit(s[k]))) k++;
                return k;
            }
            return i + 2; // $1, $?, $$ ...
        }
    }

    // ---- loader.conf: stand/lua/config.lua ----

    private static List<ShellAssignment> ParseLoader(string text, List<LineSpan> lines)
    {
        var result = new List<ShellAssignment>();
        foreach (var line in lines)
        {
            var content = line.Content(text);
            var m = LoaderLine.Match(content);
            if (!m.Success) continue;
            var name = m.Groups[1].Value;
            var v = content.Substring(m.Length);
            var valueStart = line.Start + m.Length;
            string? value = null, problem = null;
            var literal = true;
            var spanKnown = true;
            int length;
            ShellQuoteStyle style;

            if (v.Length > 0 && v[0] == '"')
            {
                // The loader's pattern is "(.*)" followed by blanks or a comment: the value runs to the LAST quote.
                style = ShellQuoteStyle.DoubleQuoted;
                var close = v.LastIndexOf('"');
                if (close == 0)
                {
                    problem = "unterminated double quote";
                    spanKnown = false;
                    length = v.Length;
                }
                else if (!BlankOrComment.IsMatch(v.Substring(close + 1)))
                {
                    problem = "text after the closing quote";
                    spanKnown = false;
                    length = close + 1;
                }
                else
                {
                    length = close + 1;
                    var inner = v.Substring(1, close - 1);
                    if (LoaderModuleSetting.IsMatch(name)) value = inner; // module settings are taken as written
                    else value = DecodeLoaderValue(inner, out literal, out problem);
                }
            }
            else if (v.Length > 0 && v[0] == '\'')
            {
                style = ShellQuoteStyle.SingleQuoted;
                problem = "single quotes are not loader.conf syntax";
                var close = v.IndexOf('\'', 1);
                spanKnown = close > 0;
                length = close > 0 ? close + 1 : v.Length;
            }
            else
            {
                var w = LoaderWord.Match(v);
                if (w.Success && BlankOrComment.IsMatch(v.Substring(w.Length)))
                {
                    style = ShellQuoteStyle.Unquoted;
                    value = w.Value;
                    length = w.Length;
                }
                else
                {
                    length = 0;
                    while (length < v.Length && v[length] != ' ' && v[length] != '\t' && v[length] != '#') length++;
                    style = length == 0 ? ShellQuoteStyle.Empty : ShellQuoteStyle.Unquoted;
                    problem = length == 0
                        ? "empty value (write name=\"\")"
                        : "an unquoted value must be one word of letters, digits, '-', '_' and '.'";
                }
            }
            if (problem is not null) value = null;
            result.Add(new ShellAssignment(name, value, v.Substring(0, length), style, literal && problem is null,
                line.Number, line.Number, problem, line.Start, valueStart, valueStart + length, line.ContentEnd, line.End, spanKnown));
        }
        return result;
    }

    // What the loader does with a quoted value: \x gives x, a bare " is an error, $name and ${name} are expanded
    // (kept here as written, literal = false).
    private static string? DecodeLoaderValue(string inner, out bool literal, out string? problem)
    {
        literal = true;
        problem = null;
        var sb = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c == '\\')
            {
                if (i == inner.Length - 1) { problem = "stray escape at end of line"; return null; }
                sb.Append(inner[++i]);
            }
            else if (c == '"')
            {
                problem = string.Format(CultureInfo.InvariantCulture, "stray quote inside the value (character {0})", i + 1);
                return null;
            }
            else if (c == '$')
            {
                if (i == inner.Length - 1) { problem = "unescaped $ at end of line"; return null; }
                int end;
                if (inner[i + 1] == '{')
                {
                    var close = inner.IndexOf('}', i + 2);
                    end = close > i + 2 ? close + 1 : -1;
                }
                else
                {
                    var m = LoaderVariable.Match(inner.Substring(i + 1));
                    end = m.Success ? i + 1 + m.Length : -1;
                }
                if (end < 0) { problem = "malformed variable expression"; return null; }
                literal = false;
                sb.Append(inner, i, end - i);
                i = end - 1;
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    // ---- sysctl.conf: sbin/sysctl parsefile() and parse() ----

    private static List<ShellAssignment> ParseSysctl(string text, List<LineSpan> lines)
    {
        var result = new List<ShellAssignment>();
        foreach (var line in lines)
        {
            var content = line.Content(text);
            var e = SysctlCommentCut(content);
            while (e > 0 && IsCSpace(content[e - 1])) e--;
            var b = 0;
            while (b < e && IsCSpace(content[b])) b++;
            if (b == e) continue;
            var d = content.IndexOfAny(new[] { '=', ':' }, b, e - b);
            if (d < 0) continue; // a bare name only reads the sysctl
            var nameEnd = d;
            while (nameEnd > b && IsCSpace(content[nameEnd - 1])) nameEnd--;
            var name = content.Substring(b, nameEnd - b);
            var vs = d + 1;
            while (vs < e && IsCSpace(content[vs])) vs++;
            if (vs > e) vs = e;
            var raw = content.Substring(vs, e - vs);
            string value = raw;
            var style = raw.Length == 0 ? ShellQuoteStyle.Empty : ShellQuoteStyle.Unquoted;
            if (raw.Length > 0 && (raw[0] == '"' || raw[0] == '\''))
            {
                // sysctl strips the first character, and the last one when it is the same quote.
                var paired = raw[raw.Length - 1] == raw[0];
                value = paired ? raw.Substring(1, Math.Max(0, raw.Length - 2)) : raw.Substring(1);
                style = !paired || raw.Length < 2 ? ShellQuoteStyle.Mixed
                    : raw[0] == '"' ? ShellQuoteStyle.DoubleQuoted : ShellQuoteStyle.SingleQuoted;
            }
            result.Add(new ShellAssignment(name, value, raw, style, true, line.Number, line.Number, null,
                line.Start, line.Start + vs, line.Start + e, line.ContentEnd, line.End, true));
        }
        return result;
    }

    // The first # not after a quote and not preceded by a backslash starts a comment; after a quote, the line ends
    // just after the quote's partner (sysctl's parsefile).
    private static int SysctlCommentCut(string content)
    {
        var pq = content.IndexOf('\'');
        var pdq = content.IndexOf('"');
        var p = 0;
        while ((p = content.IndexOf('#', p)) >= 0)
        {
            if (pq >= 0 && p > pq)
            {
                var q = content.IndexOf('\'', pq + 1);
                return q >= 0 ? q + 1 : content.Length;
            }
            if (pdq >= 0 && p > pdq)
            {
                var q = content.IndexOf('"', pdq + 1);
                return q >= 0 ? q + 1 : content.Length;
            }
            if (p == 0 || content[p - 1] != '\\') return p;
            p++;
        }
        return content.Length;
    }

    private static bool IsCSpace(char c) => c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}
