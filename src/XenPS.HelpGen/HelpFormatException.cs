using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.HelpGen;

/// <summary>One problem found in a help page: the file, the 1-based line (0 when it concerns the whole file) and what
/// is wrong.</summary>
public sealed class HelpDiagnostic
{
    public HelpDiagnostic(string file, int line, string message)
    {
        File = file;
        Line = line;
        Message = message;
    }

    public string File { get; }

    public int Line { get; }

    public string Message { get; }

    /// <summary>The canonical "file(line): error XHG001: message" form, which MSBuild's Exec task reports as a build
    /// error pointing at the page.</summary>
    public override string ToString() =>
        Line > 0 ? $"{File}({Line}): error XHG001: {Message}" : $"{File}: error XHG001: {Message}";
}

/// <summary>A help page (or a set of pages) does not follow the PlatyPS 1.x schema. <see cref="Diagnostics"/> names
/// every problem with its file and line.</summary>
public sealed class HelpFormatException : Exception
{
    public HelpFormatException()
        : this(Array.Empty<HelpDiagnostic>())
    {
    }

    public HelpFormatException(string message)
        : base(message)
    {
        Diagnostics = Array.Empty<HelpDiagnostic>();
    }

    public HelpFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = Array.Empty<HelpDiagnostic>();
    }

    public HelpFormatException(IEnumerable<HelpDiagnostic> diagnostics)
        : this(diagnostics.ToList())
    {
    }

    private HelpFormatException(List<HelpDiagnostic> diagnostics)
        : base(diagnostics.Count == 0 ? "The help pages are malformed." : string.Join(Environment.NewLine, diagnostics))
    {
        Diagnostics = diagnostics;
    }

    public IReadOnlyList<HelpDiagnostic> Diagnostics { get; }
}

/// <summary>Collects the problems of one page while it is read, so a page reports all of them at once.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<HelpDiagnostic> _items = new();

    public DiagnosticBag(string file) => File = file;

    public string File { get; }

    public IReadOnlyList<HelpDiagnostic> Items => _items;

    public bool HasErrors => _items.Count > 0;

    public void Error(int line, string message) => _items.Add(new HelpDiagnostic(File, line, message));

    public void AddRange(IEnumerable<HelpDiagnostic> diagnostics) => _items.AddRange(diagnostics);

    public void ThrowIfAny()
    {
        if (_items.Count > 0) throw new HelpFormatException(_items);
    }
}
