using System.Globalization;

namespace XenPS;

public enum XenConfigProblemSeverity
{
    /// <summary>xl would accept the file, but it is probably not what was meant (or deprecated).</summary>
    Warning,

    /// <summary>xl would refuse the file, or create a broken guest.</summary>
    Error,
}

/// <summary>One finding of <see cref="XenDomUConfig.Validate"/>.</summary>
public sealed class XenConfigProblem
{
    public XenConfigProblem(XenConfigProblemSeverity severity, string message, string? key = null, int line = 0)
    {
        Severity = severity;
        Message = message;
        Key = key;
        Line = line;
    }

    public XenConfigProblemSeverity Severity { get; }

    public string Message { get; }

    /// <summary>The key concerned, when there is one.</summary>
    public string? Key { get; }

    /// <summary>1-based line in the parsed text; 0 when unknown or added by an edit.</summary>
    public int Line { get; }

    public override string ToString() =>
        Line > 0
            ? $"{Severity}: line {Line.ToString(CultureInfo.InvariantCulture)}: {Message}"
            : $"{Severity}: {Message}";
}
