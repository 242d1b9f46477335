using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Core.FreeBsd;

/// <summary>Edits /boot/menu.rc.local, the file the Forth boot menu (loader_4th) includes. The file may not exist:
/// pass an empty string. Note: the default loader of FreeBSD 12 and later is the Lua one, which never reads this file and
/// boots Xen from <c>xen_kernel</c>/<c>xen_cmdline</c> in loader.conf by itself.</summary>
public static class MenuRcLocal
{
    public const string XenInclude = "try-include /boot/xen.4th";

    /// <summary>Ensures <c>try-include /boot/xen.4th</c> is there exactly once: a line that includes /boot/xen.4th
    /// (try-include or include, blanks and a trailing \ comment allowed) counts; later such lines are deleted; with
    /// none, the line is appended. Before/After: the first include line (null when there was none).</summary>
    public static ConfigEditResult EnsureXenInclude(string text) => EnsureInclude(text, "/boot/xen.4th");

    /// <summary>Ensures one <c>try-include path</c> line; see <see cref="EnsureXenInclude"/>.</summary>
    public static ConfigEditResult EnsureInclude(string text, string path)
    {
        if (text is null) throw new ArgumentNullException(nameof(text));
        if (path is null) throw new ArgumentNullException(nameof(path));
        if (path.Length == 0 || path.Any(c => char.IsWhiteSpace(c) || ConfigText.IsControl(c)))
            throw new ArgumentException($"{ConfigText.Show(path)} is not a path Forth can include.", nameof(path));
        var lines = ConfigText.Lines(text);
        var matches = lines.Where(l => Includes(l.Content(text), path)).ToList();
        if (matches.Count == 0)
        {
            var line = "try-include " + path;
            var (position, insertion) = ConfigText.LineInsertion(text, lines, lines.Count, line);
            return new ConfigEditResult(text.Insert(position, insertion), true, null, line);
        }
        var first = matches[0].Content(text);
        if (matches.Count == 1) return ConfigEditResult.Unchanged(text, first);
        var edits = new TextEdits();
        foreach (var duplicate in matches.Skip(1)) edits.Delete(duplicate.Start, duplicate.End - duplicate.Start);
        return new ConfigEditResult(edits.Apply(text), true, first, first);
    }

    private static bool Includes(string content, string path)
    {
        var words = content.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).ToList();
        var comment = words.IndexOf("\\");
        if (comment >= 0) words = words.Take(comment).ToList();
        return words.Count == 2 && (words[0] == "try-include" || words[0] == "include") && words[1] == path;
    }
}
