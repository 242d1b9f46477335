using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using XenPS.Core.Execution;

namespace XenPS.Core.FreeBsd;

/// <summary>The kind of a login.conf capability field (getcap(3)).</summary>
public enum LoginCapabilityKind
{
    /// <summary><c>name=value</c>.</summary>
    String,

    /// <summary><c>name#number</c>.</summary>
    Numeric,

    /// <summary><c>name</c> alone.</summary>
    Boolean,

    /// <summary><c>name@</c>: the capability is cancelled (absent from here on, tc= records included).</summary>
    Cancelled,
}

/// <summary>One capability field of a login class record.</summary>
public sealed class LoginCapability
{
    internal LoginCapability(string name, LoginCapabilityKind kind, string? value, string text, int lineNumber)
    {
        Name = name;
        Kind = kind;
        Value = value;
        Text = text;
        LineNumber = lineNumber;
    }

    public string Name { get; }

    public LoginCapabilityKind Kind { get; }

    /// <summary>The text after '=' or '#' as written (getcap escapes such as \c are not decoded); null for
    /// Boolean and Cancelled.</summary>
    public string? Value { get; }

    /// <summary>The whole field as written, e.g. <c>memorylocked=64K</c> or <c>memorylocked@</c>.</summary>
    public string Text { get; }

    /// <summary>1-based line the field is on.</summary>
    public int LineNumber { get; }

    public override string ToString() => Text;
}

/// <summary>Reads and edits /etc/login.conf capability records (getcap(3) syntax: <c>names:cap=value:cap#n:cap:cap@:</c>,
/// continued over lines ending with a backslash), keeping every other byte: comments, the tab-indented
/// <c>:cap=value:\</c> continuation lines, other classes.
/// <para><b>After writing a changed login.conf, run <c>cap_mkdb /etc/login.conf</c></b>: login(1), su(1) and
/// setusercontext(3) read the compiled /etc/login.conf.db, not the text file.</para></summary>
public static class LoginConf
{
    /// <summary>The command that must be run after a change, as argv.</summary>
    public static IReadOnlyList<string> RebuildCommand { get; } = new[] { "cap_mkdb", "/etc/login.conf" };

    /// <summary>The first field naming <paramref name="capability"/> in the first record named
    /// <paramref name="className"/> (getcap uses the first occurrence; a Cancelled result means it is unset).
    /// Null when the record or the capability is absent. tc= references are not followed.</summary>
    /// <exception cref="XenConfigFileException">No record has that class name.</exception>
    public static LoginCapability? GetCapability(string text, string className, string capability)
    {
        CheckNames(className, capability);
        var record = FindRecord(text ?? throw new ArgumentNullException(nameof(text)), className);
        var field = record.Fields.FirstOrDefault(f => f.Name == capability);
        return field?.ToCapability(record);
    }

    /// <summary>Sets <c>capability=value</c> in the record of <paramref name="className"/>, whatever the current
    /// field is (<c>cap=other</c>, <c>cap#n</c>, <c>cap</c>, <c>cap@</c>): the first field naming it is replaced in place.
    /// When there is none, a line <c>&lt;indent&gt;:cap=value:\</c> is inserted before the record's tc= line or its last
    /// line (a one-line record gets the field before tc= or at its end). Later fields of the same name are left
    /// (getcap ignores them). Before/After are the field text (e.g. <c>memorylocked=64K</c>, <c>memorylocked@</c>, null
    /// when absent). Run <see cref="RebuildCommand"/> after writing a change.
    /// <para>Note: <c>cap-cur</c> and <c>cap-max</c> fields (e.g. memorylocked-cur) override <c>cap</c> for the soft and
    /// hard limit; they are separate capabilities and are not touched.</para></summary>
    /// <exception cref="ArgumentException">Invalid class or capability name, or a value with ':', '\', '^' or a
    /// control character (getcap would read it differently).</exception>
    /// <exception cref="XenConfigFileException">No record of that class, or the field is split over two lines.</exception>
    public static ConfigEditResult SetCapability(string text, string className, string capability, string value)
    {
        CheckNames(className, capability);
        if (value is null) throw new ArgumentNullException(nameof(value));
        if (value.Any(c => ConfigText.IsControl(c) || c == ':' || c == '\\' || c == '^'))
            throw new ArgumentException($"Cannot write {capability}={ConfigText.Show(value)} to login.conf: ':', '\\', '^' and control characters have a meaning in getcap(3) values.", nameof(value));
        if (text is null) throw new ArgumentNullException(nameof(text));

        var record = FindRecord(text, className);
        var newField = capability + "=" + value;
        var existing = record.Fields.FirstOrDefault(f => f.Name == capability);
        if (existing is not null)
        {
            if (existing.Text == newField) return ConfigEditResult.Unchanged(text, newField);
            var start = record.ToOffset(existing.Start, out var startLine);
            var end = record.ToOffset(existing.End - 1, out var endLine) + 1;
            if (startLine != endLine)
                throw XenConfigFileException.Unsafe(record.Lines[startLine].Number, $"the field '{existing.Text}' is split over two lines.");
            var replaced = text.Substring(0, start) + newField + text.Substring(end);
            return new ConfigEditResult(replaced, true, existing.Text, newField);
        }

        var tc = record.Fields.FirstOrDefault(f => f.Name == "tc");
        int tcLine = -1;
        if (tc is not null) record.ToOffset(tc.Start, out tcLine);
        var insertBefore = tc is not null ? tcLine : record.Lines.Count - 1;
        string result;
        if (insertBefore > 0)
        {
            // A continuation line of its own, indented like the line it goes before.
            var line = record.Lines[insertBefore];
            var content = line.Content(text);
            var indentLength = 0;
            while (indentLength < content.Length && (content[indentLength] == ' ' || content[indentLength] == '\t')) indentLength++;
            var indent = indentLength < content.Length && content[indentLength] == ':' ? content.Substring(0, indentLength) : "\t";
            var previous = record.Lines[insertBefore - 1];
            var nl = text.Substring(previous.ContentEnd, previous.End - previous.ContentEnd);
            result = text.Insert(line.Start, indent + ":" + newField + ":\\" + nl);
        }
        else if (tc is not null)
        {
            result = text.Insert(record.ToOffset(tc.Start, out _), newField + ":");
        }
        else
        {
            var last = record.Lines[record.Lines.Count - 1];
            var content = last.Content(text);
            var at = last.ContentEnd;
            if (content.EndsWith("\\", StringComparison.Ordinal)) { at--; content = content.Substring(0, content.Length - 1); }
            result = text.Insert(at, (content.EndsWith(":", StringComparison.Ordinal) ? string.Empty : ":") + newField + ":");
        }
        return new ConfigEditResult(result, true, null, newField);
    }

    /// <summary><c>memorylocked=unlimited</c> in the <c>default</c> class (the RLIMIT_MEMLOCK of login sessions, whatever
    /// the current field: <c>memorylocked=64K</c>, absent, <c>memorylocked@</c>). Same rules as
    /// <see cref="SetCapability"/>; run <see cref="RebuildCommand"/> (cap_mkdb) after writing a change.</summary>
    public static ConfigEditResult EnsureMemoryLockedUnlimited(string text) => SetCapability(text, "default", "memorylocked", "unlimited");

    private static void CheckNames(string className, string capability)
    {
        if (className is null) throw new ArgumentNullException(nameof(className));
        if (capability is null) throw new ArgumentNullException(nameof(capability));
        if (className.Length == 0 || className.Any(c => c == ':' || c == '|' || c == '\\' || c == '#' || char.IsWhiteSpace(c) || ConfigText.IsControl(c)))
            throw new ArgumentException($"{ConfigText.Show(className)} is not a valid login class name.", nameof(className));
        if (capability.Length == 0 || !capability.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-'))
            throw new ArgumentException($"{ConfigText.Show(capability)} is not a valid capability name.", nameof(capability));
    }

    private static Record FindRecord(string text, string className)
    {
        var lines = ConfigText.Lines(text);
        var i = 0;
        while (i < lines.Count)
        {
            // A logical record: physical lines joined while they end with a backslash (getcap's getent).
            var first = i;
            while (i < lines.Count - 1 && EndsWithBackslash(text, lines[i])) i++;
            var record = new Record(text, lines.GetRange(first, i - first + 1));
            i++;
            if (record.Joined.Length == 0 || record.Joined[0] == '#') continue;
            var namesEnd = record.Joined.IndexOf(':');
            var names = namesEnd < 0 ? record.Joined : record.Joined.Substring(0, namesEnd);
            if (names.Split('|').Contains(className, StringComparer.Ordinal)) return record;
        }
        throw new XenConfigFileException("XenLoginClassNotFound", XenErrorKind.ObjectNotFound, $"login.conf has no '{className}' class record.");
    }

    private static bool EndsWithBackslash(string text, LineSpan line) => line.ContentEnd > line.Start && text[line.ContentEnd - 1] == '\\';

    private sealed class Record
    {
        private readonly List<int> _segmentStarts = new();

        public Record(string text, List<LineSpan> lines)
        {
            Lines = lines;
            var sb = new StringBuilder();
            for (var n = 0; n < lines.Count; n++)
            {
                _segmentStarts.Add(sb.Length);
                var content = lines[n].Content(text);
                if (n < lines.Count - 1) content = content.Substring(0, content.Length - 1); // drop the continuation backslash
                sb.Append(content);
            }
            Joined = sb.ToString();
            Fields = ParseFields(Joined);
        }

        public List<LineSpan> Lines { get; }

        public string Joined { get; }

        public List<Field> Fields { get; }

        /// <summary>The text offset of a position in the joined record, and the record line it is on.</summary>
        public int ToOffset(int joinedPosition, out int lineIndex)
        {
            lineIndex = _segmentStarts.Count - 1;
            while (lineIndex > 0 && _segmentStarts[lineIndex] > joinedPosition) lineIndex--;
            return Lines[lineIndex].Start + joinedPosition - _segmentStarts[lineIndex];
        }

        private static List<Field> ParseFields(string joined)
        {
            var fields = new List<Field>();
            var start = joined.IndexOf(':');
            while (start >= 0)
            {
                start++;
                var end = joined.IndexOf(':', start);
                if (end < 0) end = joined.Length;
                if (end > start)
                {
                    var text = joined.Substring(start, end - start);
                    var nameLength = 0;
                    while (nameLength < text.Length && text[nameLength] != '=' && text[nameLength] != '#' && text[nameLength] != '@') nameLength++;
                    fields.Add(new Field(text.Substring(0, nameLength), text, start, end));
                }
                start = end < joined.Length ? end : -1;
            }
            return fields;
        }
    }

    private sealed class Field
    {
        public Field(string name, string text, int start, int end)
        {
            Name = name;
            Text = text;
            Start = start;
            End = end;
        }

        public string Name { get; }
        public string Text { get; }
        public int Start { get; }
        public int End { get; }

        public LoginCapability ToCapability(Record record)
        {
            record.ToOffset(Start, out var line);
            var number = record.Lines[line].Number;
            if (Name.Length == Text.Length) return new LoginCapability(Name, LoginCapabilityKind.Boolean, null, Text, number);
            return Text[Name.Length] switch
            {
                '=' => new LoginCapability(Name, LoginCapabilityKind.String, Text.Substring(Name.Length + 1), Text, number),
                '#' => new LoginCapability(Name, LoginCapabilityKind.Numeric, Text.Substring(Name.Length + 1), Text, number),
                _ => new LoginCapability(Name, LoginCapabilityKind.Cancelled, null, Text, number),
            };
        }
    }
}
