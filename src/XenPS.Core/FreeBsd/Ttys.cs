using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace XenPS.Core.FreeBsd;

/// <summary>Edits /etc/ttys (ttys(5): <c>name getty type status [secure|insecure] [window=..] [group=..] [# comment]</c>,
/// getty quoted with "..."), keeping every other line byte for byte.</summary>
public static class Ttys
{
    /// <summary>The Xen console entry (as the xen-kernel port's pkg-message gives it): a getty on xc0 when it is the
    /// console, root login allowed.</summary>
    public const string XenConsoleEntry = "xc0     \"/usr/libexec/getty Pc\"         xterm   onifconsole  secure";

    /// <summary>Ensures <see cref="XenConsoleEntry"/>; see <see cref="EnsureEntry"/>.</summary>
    public static ConfigEditResult EnsureXenConsole(string text) => EnsureEntry(text, XenConsoleEntry);

    /// <summary>Ensures that the terminal named by <paramref name="entry"/> has exactly that entry, never twice:
    /// <list type="bullet">
    /// <item>an active line for the terminal that means the same (same getty and type, same on/off/onifconsole/onifexists
    /// status, same secure/insecure, no other flags) is left alone, whatever its spacing;</item>
    /// <item>a first active line that differs is replaced by <paramref name="entry"/> (its trailing # comment kept);</item>
    /// <item>further active lines for the same terminal are commented out (a '#' is put in front);</item>
    /// <item>with no active line, the first commented-out entry for the terminal (<c>#xc0 "..." xterm off secure</c>:
    /// a '#' followed by something that reads as an entry with a status) is replaced by it;</item>
    /// <item>otherwise it is inserted after the last active <c>onifconsole</c> line (the serial consoles), or after the
    /// last active entry, or at the end.</item>
    /// </list>
    /// Before is the first active line for the terminal (null when there was none), After the line in effect.</summary>
    public static ConfigEditResult EnsureEntry(string text, string entry)
    {
        if (text is null) throw new ArgumentNullException(nameof(text));
        if (entry is null) throw new ArgumentNullException(nameof(entry));
        if (entry.Any(c => c != '\t' && ConfigText.IsControl(c)))
            throw new ArgumentException("A ttys entry is one line.", nameof(entry));
        var wanted = TtyLine.Parse(entry);
        if (wanted.Fields.Count < 4 || wanted.Comment is not null)
            throw new ArgumentException($"{ConfigText.Show(entry)} is not a ttys entry (name getty type status...).", nameof(entry));
        var name = wanted.Fields[0];

        var lines = ConfigText.Lines(text);
        var active = new List<LineSpan>();
        LineSpan? commented = null;
        var lastConsole = -1;
        var lastEntry = -1;
        foreach (var line in lines)
        {
            var content = line.Content(text);
            var trimmed = content.TrimStart(' ', '\t');
            if (trimmed.Length == 0) continue;
            if (trimmed[0] == '#')
            {
                if (commented is null)
                {
                    // "#xc0 ..." counts only when the rest reads as an entry of that terminal (not as prose).
                    var uncommented = TtyLine.Parse(trimmed.Substring(1));
                    if (uncommented.Fields.Count >= 4 && uncommented.Fields[0] == name && uncommented.HasStatus) commented = line;
                }
                continue;
            }
            var parsed = TtyLine.Parse(content);
            lastEntry = line.Index;
            if (parsed.Flags.Contains("onifconsole")) lastConsole = line.Index;
            if (parsed.Fields[0] == name) active.Add(line);
        }

        var edits = new TextEdits();
        string? before = null;
        var after = entry;
        if (active.Count > 0)
        {
            var first = active[0];
            var content = first.Content(text);
            before = content;
            var current = TtyLine.Parse(content);
            if (current.SameMeaning(wanted))
            {
                after = content;
            }
            else
            {
                after = current.Comment is null ? entry : entry + " " + current.Comment;
                edits.Replace(first.Start, first.ContentEnd - first.Start, after);
            }
            foreach (var duplicate in active.Skip(1)) edits.Insert(duplicate.Start, "#");
        }
        else if (commented is { } c)
        {
            edits.Replace(c.Start, c.ContentEnd - c.Start, entry);
        }
        else
        {
            var afterIndex = lastConsole >= 0 ? lastConsole : lastEntry >= 0 ? lastEntry : lines.Count - 1;
            var (position, insertion) = ConfigText.LineInsertion(text, lines, afterIndex + 1, entry);
            edits.Insert(position, insertion);
        }
        if (edits.Count == 0) return ConfigEditResult.Unchanged(text, after);
        return new ConfigEditResult(edits.Apply(text), true, before, after);
    }

    /// <summary>One ttys line split the way getttyent(3) splits it.</summary>
    private sealed class TtyLine
    {
        private static readonly string[] OnStates = { "on", "off", "onifconsole", "onifexists" };

        private TtyLine(List<string> fields, string? comment)
        {
            Fields = fields;
            Comment = comment;
            Flags = fields.Skip(3).ToList();
        }

        /// <summary>name, getty, type, then the flags.</summary>
        public List<string> Fields { get; }

        public List<string> Flags { get; }

        /// <summary>The trailing comment from its '#', as written.</summary>
        public string? Comment { get; }

        public static TtyLine Parse(string content)
        {
            var fields = new List<string>();
            string? comment = null;
            var i = 0;
            while (true)
            {
                while (i < content.Length && (content[i] == ' ' || content[i] == '\t')) i++;
                if (i >= content.Length) break;
                if (content[i] == '#')
                {
                    comment = content.Substring(i);
                    break;
                }
                var sb = new StringBuilder();
                var quoted = false;
                while (i < content.Length)
                {
                    var c = content[i];
                    if (c == '"') { quoted = !quoted; i++; continue; }
                    if (quoted && c == '\\' && i + 1 < content.Length && content[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                    if (!quoted && (c == ' ' || c == '\t' || c == '#')) break;
                    sb.Append(c);
                    i++;
                }
                fields.Add(sb.ToString());
            }
            return new TtyLine(fields, comment);
        }

        public bool HasStatus => Flags.Any(f => OnStates.Contains(f));

        public bool SameMeaning(TtyLine other) =>
            Fields.Count >= 3 && other.Fields.Count >= 3 &&
            Fields[1] == other.Fields[1] && Fields[2] == other.Fields[2] &&
            Status() == other.Status() && Secure() == other.Secure() &&
            Others().SequenceEqual(other.Others(), StringComparer.Ordinal);

        private string Status() => Flags.LastOrDefault(f => OnStates.Contains(f)) ?? "off";

        private bool Secure() => Flags.LastOrDefault(f => f == "secure" || f == "insecure") == "secure";

        private IEnumerable<string> Others() => Flags.Where(f => !OnStates.Contains(f) && f != "secure" && f != "insecure");
    }
}
