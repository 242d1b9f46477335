using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace XenPS.Core.Execution;

/// <summary>POSIX sh quoting: used to build the script a remote /bin/sh runs, and to display command lines.</summary>
public static class ShellQuoting
{
    /// <summary>Quotes one word for sh: left alone when it only holds safe characters, else single-quoted
    /// with every ' written as '\''. Inside single quotes sh expands nothing ($, `, \, ;, newlines are literal).</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(IsSafe)) return word;
        var sb = new StringBuilder(word.Length + 2).Append('\'');
        foreach (var c in word)
        {
            if (c == '\'') sb.Append("'\\''");
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }

    public static string Join(IEnumerable<string> words) => string.Join(" ", words.Select(Quote));

    private static bool IsSafe(char c) =>
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '=' || c == ',' || c == '@' || c == '+' || c == '%';
}
