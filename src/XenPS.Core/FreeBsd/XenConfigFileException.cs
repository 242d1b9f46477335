using XenPS.Core.Execution;

namespace XenPS.Core.FreeBsd;

/// <summary>A configuration file cannot be edited safely as it is (a syntax the editor will not rewrite, a missing
/// record). Nothing was changed: the caller must not write anything and should show the message to the user.</summary>
public sealed class XenConfigFileException : XenException
{
    public XenConfigFileException(string errorId, XenErrorKind kind, string message, int? lineNumber = null)
        : base(errorId, kind, message)
    {
        LineNumber = lineNumber;
    }

    /// <summary>The 1-based line the problem is on, when there is one.</summary>
    public int? LineNumber { get; }

    /// <summary>The file the text came from, when the caller knows it (the editors only see text).</summary>
    public string? FileName { get; set; }

    internal static XenConfigFileException Unsafe(int lineNumber, string message) =>
        new("XenConfigFileUnsafeEdit", XenErrorKind.InvalidData, $"Line {lineNumber}: {message} Nothing was changed; edit the file by hand.", lineNumber);
}
