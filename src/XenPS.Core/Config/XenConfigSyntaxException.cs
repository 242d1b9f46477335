using System.Globalization;
using XenPS.Core.Execution;

namespace XenPS.Core.Config;

/// <summary>
/// An xl configuration file (or a disk/vif spec inside it) that xl would refuse to parse. The message names the file
/// (when known), the 1-based line and column, and what is wrong, e.g. "web01.cfg:3:14: expected a newline or ';' after
/// the value of 'memory' but found the number '128'".
/// </summary>
public sealed class XenConfigSyntaxException : XenException
{
    public XenConfigSyntaxException(string detail, string? path, int line, int column)
        : base("XenConfigInvalid", XenErrorKind.InvalidData, BuildMessage(detail, path, line, column))
    {
        Detail = Execution.SecretRedactor.Redact(detail);
        Path = path;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Detail { get; }

    /// <summary>The file, when the text came from one.</summary>
    public string? Path { get; }

    /// <summary>1-based line of the offending character.</summary>
    public int Line { get; }

    /// <summary>1-based column (in characters; a tab counts as one) of the offending character.</summary>
    public int Column { get; }

    private static string BuildMessage(string detail, string? path, int line, int column)
    {
        var l = line.ToString(CultureInfo.InvariantCulture);
        var c = column.ToString(CultureInfo.InvariantCulture);
        return string.IsNullOrEmpty(path)
            ? $"xl config line {l}, column {c}: {detail}"
            : $"{path}:{l}:{c}: {detail}";
    }
}
