using CsCheck;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// Generators of hostile names, paths and values for the property tests of the shell scripts: pieces of sh syntax
/// (quotes, ;, $(), backticks, \, newlines, CR, tabs, globs, ~, assignment-looking words, #, &amp;|&lt;&gt;, here-document
/// markers), attempts to create $CANARY, leading '-', '..', non-ASCII and emoji, and empty strings, mixed with
/// ordinary characters.
/// </summary>
internal static class Hostile
{
    /// <summary>Every way a value could try to run `touch "$CANARY"` or write it, were it read as sh code.</summary>
    public static readonly string[] Attacks =
    {
        "$(touch \"$CANARY\")", "`touch \"$CANARY\"`", "';touch \"$CANARY\";'", "\";touch \\\"$CANARY\\\";\"",
        "\ntouch \"$CANARY\"\n", ";touch \"$CANARY\"", "|touch \"$CANARY\"", "&&touch \"$CANARY\"", "&touch \"$CANARY\"&",
        "||touch \"$CANARY\"", ">\"$CANARY\"", ">>$CANARY", "$(>\"$CANARY\")", "x'$(touch \"$CANARY\")'x", "'\"$(touch $CANARY)\"'",
        "\\';touch $CANARY;\\'", "\r\ntouch $CANARY\r\n", "\ttouch\t$CANARY", "';touch PWNED;'", "${CANARY+$(touch \"$CANARY\")}",
        "$((0))$(touch $CANARY)", "{touch,$CANARY}", "<(touch $CANARY)", "x)touch $CANARY(", "fi; touch $CANARY; if :; then",
        "done; touch $CANARY; for x in", "EOF\ntouch $CANARY\nEOF", "}; touch $CANARY; {",
    };

    /// <summary>Pieces of syntax and odd characters.</summary>
    public static readonly string[] Atoms =
    {
        "", " ", "  ", "'", "\"", ";", "$", "$(", ")", "(", "`", "\\", "\\\\", "\n", "\r", "\r\n", "\t", "..", ".", "-", "--", "-e", "-n",
        "-rf", "*", "?", "[", "]", "[a-z]", "~", "~root", "=", "A=b", "PATH=/x", "IFS=x", "#", "&", "|", "<", ">", "!", "{", "}", "%",
        "^", ",", "@", "+", ":", "é", "ü", "日本", "😀", "🙈", "\u00a0", "\u2028", "\u200b", "\\n", "\\c", "\\033[31m", "\\0", "%s", "%n",
        "$HOME", "${HOME}", "$0", "$1", "$@", "$*", "$?", "$$", "$#", "$-", "$!", "XENPS_EOF_", "EOF", "'EOF'", "script", "x", "abc",
        "guest1", "0", "-1", "/",
    };

    private static readonly Gen<string> Atom = Gen.Frequency(
        (6, (IGen<string>)Gen.OneOf(Atoms)),
        (2, Gen.OneOf(Attacks)),
        (3, Gen.String[Gen.Char["abcxyzAZ019_.-"], 1, 4]));

    /// <summary>Any string (no NUL: no program argument or file can hold one).</summary>
    public static readonly Gen<string> Value = Atom.Array[0, 6].Select(a => string.Concat(a));

    /// <summary>Lists of values (a command's words).</summary>
    public static readonly Gen<string[]> Values = Value.Array[0, 6];

    /// <summary>A file name: no '/', no control characters, not "." or "..", not empty (what a Linux file may be
    /// named, minus what the code refuses).</summary>
    public static readonly Gen<string> FileName = Value.Select(Name);

    /// <summary>A file name that may hold newlines, tabs and CR (a hostile name found on a host).</summary>
    public static readonly Gen<string> RawFileName = Value.Select(v =>
    {
        var s = v.Replace("/", "_", StringComparison.Ordinal);
        return Short(s.Length == 0 || s == "." || s == ".." ? "f" + s : s);
    });

    /// <summary>A domain name as the log reader accepts it.</summary>
    public static readonly Gen<string> DomainName = FileName;

    /// <summary>A relative path of 1-3 hostile names (to put under a test directory).</summary>
    public static readonly Gen<string> RelativePath = FileName.Array[1, 3].Select(parts => string.Join("/", parts));

    /// <summary>File content: hostile lines, lines that look like here-document markers, CR, no final newline.</summary>
    public static readonly Gen<string> Content = Gen.Frequency(
            (5, (IGen<string>)Value),
            (1, Gen.OneOf("XENPS_EOF_", "EOF", "XENPS_EOF", "'EOF'", "script", ")", "fi", "}", "\r", ".")),
            (1, Gen.Const(() => "XENPS_EOF_" + Guid.NewGuid().ToString("N"))))
        .Array[0, 8]
        .Select(Gen.Bool, (lines, finalNewline) => string.Join("\n", lines) + (finalNewline && lines.Length > 0 ? "\n" : string.Empty));

    /// <summary>Makes a value a valid file name.</summary>
    public static string Name(string v)
    {
        var s = new string(v.Select(c => c == '/' || char.IsControl(c) ? '_' : c).ToArray());
        return Short(s.Length == 0 || s == "." || s == ".." ? "n" + s : s);
    }

    /// <summary>At most 160 bytes of UTF-8 (a file name may have 255; the scripts add suffixes), never half a
    /// surrogate pair.</summary>
    public static string Short(string s)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(s) > 160) s = s[..(char.IsLowSurrogate(s[^1]) ? s.Length - 2 : s.Length - 1)];
        return s;
    }

    /// <summary>A readable form of a value for failure messages.</summary>
    public static string Show(string s) => "«" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
        .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "»";
}
