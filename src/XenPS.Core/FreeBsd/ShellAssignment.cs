namespace XenPS.Core.FreeBsd;

/// <summary>Which reader a <c>name=value</c> file is meant for; each reads quoting differently.</summary>
public enum ShellConfigDialect
{
    /// <summary>/etc/rc.conf (and rc.conf.local, rc.conf.d/*): sourced by sh(1), edited by sysrc(8).
    /// Values are sh words: "double", 'single', unquoted, with backslash escapes and $ expansions. As for sysrc, an
    /// assignment is a line starting with blanks then <c>name=</c> (<c>export name=</c> or a second assignment after
    /// <c>;</c> is not one).</summary>
    RcConf,

    /// <summary>/boot/loader.conf: read by loader(8) (stand/lua/config.lua), not by sh. A value is "double-quoted"
    /// (\x escapes the next character, $name and ${name} are loader variables) or one unquoted word of letters,
    /// digits, '-', '_' and '.'; single quotes are a syntax error; after the value only blanks or a # comment.</summary>
    LoaderConf,

    /// <summary>/etc/sysctl.conf: read by sysctl -f (rc.d/sysctl). <c>name=value</c> or <c>name:value</c>, blanks around
    /// the separator ignored, one pair of surrounding " or ' stripped, no escapes or expansions, # starts a comment.</summary>
    SysctlConf,
}

/// <summary>How a value is written.</summary>
public enum ShellQuoteStyle
{
    Unquoted,
    DoubleQuoted,
    SingleQuoted,

    /// <summary>Several quoted/unquoted parts glued together, e.g. <c>a"b c"'d'</c>.</summary>
    Mixed,

    /// <summary><c>name=</c> with nothing after.</summary>
    Empty,
}

/// <summary>One assignment line (for rc.conf, possibly several lines) as its reader sees it.</summary>
public sealed class ShellAssignment
{
    internal ShellAssignment(string name, string? value, string rawValue, ShellQuoteStyle quoteStyle, bool isLiteral,
        int lineNumber, int lastLineNumber, string? problem, int lineStart, int valueStart, int valueEnd, int restEnd, int end, bool spanKnown)
    {
        Name = name;
        Value = value;
        RawValue = rawValue;
        QuoteStyle = quoteStyle;
        IsLiteral = isLiteral;
        LineNumber = lineNumber;
        LastLineNumber = lastLineNumber;
        Problem = problem;
        LineStart = lineStart;
        ValueStart = valueStart;
        ValueEnd = valueEnd;
        RestEnd = restEnd;
        End = end;
        SpanKnown = spanKnown;
    }

    public string Name { get; }

    /// <summary>The value the reader gets, quotes removed and escapes resolved; expansions ($x, `cmd`) are left as
    /// written (see <see cref="IsLiteral"/>). Null when the reader rejects the line (<see cref="Problem"/>).</summary>
    public string? Value { get; }

    /// <summary>The value exactly as written in the file, quotes included.</summary>
    public string RawValue { get; }

    public ShellQuoteStyle QuoteStyle { get; }

    /// <summary>False when the value holds an expansion the reader performs ($var, ${var}, $(cmd), `cmd`):
    /// <see cref="Value"/> is then the unexpanded text, not what the reader ends up with.</summary>
    public bool IsLiteral { get; }

    /// <summary>1-based number of the line the assignment starts on.</summary>
    public int LineNumber { get; }

    /// <summary>1-based number of the line it ends on (differs from LineNumber only for multi-line rc.conf values).</summary>
    public int LastLineNumber { get; }

    /// <summary>Why the reader rejects the line (it then ignores it); null when the line is well formed.</summary>
    public string? Problem { get; }

    public bool IsMalformed => Problem is not null;

    public bool IsMultiLine => LastLineNumber != LineNumber;

    // Offsets in the text: start of the first line, the value span, the end of the last line's content and the end of
    // the last line including its terminator.
    internal int LineStart { get; }
    internal int ValueStart { get; }
    internal int ValueEnd { get; }
    internal int RestEnd { get; }
    internal int End { get; }

    /// <summary>False when the value's extent is unknown (unterminated quote), so it cannot be replaced.</summary>
    internal bool SpanKnown { get; }

    public override string ToString() => $"{Name}={RawValue}";
}
