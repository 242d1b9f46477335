using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Core.Execution;

/// <summary>How a failure is classified. The names are those of PowerShell's ErrorCategory, so the cmdlets map
/// them one to one (XenPS.Core has no PowerShell reference).</summary>
public enum XenErrorKind
{
    NotSpecified,
    ObjectNotFound,
    ResourceExists,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    NotInstalled,
    PermissionDenied,
    ResourceUnavailable,
    ConnectionError,
    OperationTimeout,
    WriteError,
    ReadError,
    LimitsExceeded,
    InvalidResult,
}

/// <summary>Base of every failure XenPS reports: a stable error id, a category and the thing it concerns. Its message,
/// log lines and recommended action pass through <see cref="SecretRedactor"/>: no password ever reaches an error.</summary>
public class XenException : Exception
{
    private IReadOnlyList<string> _logLines = Array.Empty<string>();
    private string? _recommendedAction;

    public XenException(string errorId, XenErrorKind kind, string message, Exception? inner = null)
        : base(SecretRedactor.Redact(message), inner)
    {
        ErrorId = errorId;
        Kind = kind;
    }

    /// <summary>The stable first part of the FullyQualifiedErrorId, e.g. XenDomainNotFound.</summary>
    public string ErrorId { get; }

    public XenErrorKind Kind { get; }

    /// <summary>The host the failure happened on ("localhost" when local), when known.</summary>
    public string? ComputerName { get; set; }

    /// <summary>Lines of the host's logs that explain the failure (the last lines of /var/log/xen/xl-NAME.log and
    /// qemu-dm-NAME.log after a failed xl create), each prefixed with its file; shown after the message.</summary>
    public IReadOnlyList<string> LogLines
    {
        get => _logLines;
        set => _logLines = value is null ? Array.Empty<string>() : SecretRedactor.RedactLines(value);
    }

    /// <summary>What the user can do next (the cmdlets put it in ErrorDetails.RecommendedAction).</summary>
    public string? RecommendedAction
    {
        get => _recommendedAction;
        set => _recommendedAction = value is null ? null : SecretRedactor.Redact(value);
    }

    public override string Message => LogLines.Count == 0
        ? base.Message
        : base.Message + "\n" + string.Join("\n", LogLines);

    /// <summary>The message without the log lines.</summary>
    public string Summary => base.Message;
}

/// <summary>A program XenPS needs is not installed (or the configured path does not exist).</summary>
public sealed class XenToolNotFoundException : XenException
{
    private static readonly Dictionary<string, string> Hints = new(StringComparer.Ordinal)
    {
        ["xl"] = "The Xen toolstack is not installed: install xen-tools (FreeBSD: pkg install xen-kernel xen-tools).",
        ["ssh"] = "The OpenSSH client is needed to reach remote hosts.",
        ["zfs"] = "ZFS is needed for -ZfsVolume.",
        ["cap_mkdb"] = "cap_mkdb is part of the FreeBSD base system.",
        ["sysrc"] = "sysrc is part of the FreeBSD base system.",
        ["pkg"] = "pkg is FreeBSD's package manager.",
    };

    public XenToolNotFoundException(string tool, string? resolvedPath = null, Exception? inner = null)
        : base(tool == "xl" ? "XenToolsNotInstalled" : "XenToolNotFound", XenErrorKind.NotInstalled, BuildMessage(tool, resolvedPath), inner)
    {
        Tool = tool;
    }

    public string Tool { get; }

    private static string BuildMessage(string tool, string? resolvedPath)
    {
        var where = resolvedPath is null
            ? $"'{tool}' was not found in PATH or the system directories"
            : $"'{tool}' could not be started from '{resolvedPath}'";
        var hint = Hints.TryGetValue(tool, out var h) ? " " + h : string.Empty;
        return $"{where} (override its location with ${{env:{ToolResolver.OverrideVariable(tool)}}}).{hint}";
    }
}

/// <summary>A program ran longer than its time limit and was killed.</summary>
public sealed class XenCommandTimeoutException : XenException
{
    public XenCommandTimeoutException(string commandLine, TimeSpan timeout, string standardOutput, string standardError)
        : base("XenCommandTimeout", XenErrorKind.OperationTimeout,
              $"'{commandLine}' did not finish within {timeout.TotalSeconds:0.#} s and was stopped. Check the real state (Get-XenDomain) before retrying.")
    {
        CommandLine = SecretRedactor.Redact(commandLine);
        Timeout = timeout;
        StandardOutput = SecretRedactor.Redact(standardOutput);
        StandardError = SecretRedactor.Redact(standardError);
    }

    public string CommandLine { get; }
    public TimeSpan Timeout { get; }
    public string StandardOutput { get; }
    public string StandardError { get; }
}

/// <summary>A program (usually xl) ran and failed. Carries the arguments, the exit code and the standard error.</summary>
public sealed class XenCommandException : XenException
{
    public XenCommandException(string errorId, XenErrorKind kind, string message, CommandResult result, string commandLine)
        : base(errorId, kind, message)
    {
        Tool = result.FileName;
        Arguments = result.Arguments.Select(SecretRedactor.Redact).ToArray();
        ExitCode = result.ExitCode;
        StandardOutput = SecretRedactor.Redact(result.StandardOutput);
        StandardError = SecretRedactor.Redact(result.StandardError);
        CommandLine = SecretRedactor.Redact(commandLine);
    }

    public string Tool { get; }
    public IReadOnlyList<string> Arguments { get; }
    public int ExitCode { get; }
    public string StandardOutput { get; }
    public string StandardError { get; }
    public string CommandLine { get; }

    /// <summary>The meaningful lines of standard error (xl's own progress lines removed).</summary>
    public IEnumerable<string> ErrorLines => StandardError
        .Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0);
}

/// <summary>A remote host could not be reached or refused us (DNS, TCP, host key, authentication).</summary>
public sealed class XenHostUnreachableException : XenException
{
    public XenHostUnreachableException(string computerName, string detail)
        : base("XenHostUnreachable", XenErrorKind.ConnectionError, $"Cannot reach host '{computerName}' over SSH: {detail}")
    {
        ComputerName = computerName;
        Detail = detail;
    }

    public string Detail { get; }
}
