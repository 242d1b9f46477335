using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using XenPS.Core.Execution;

namespace XenPS.Core.Xl;

/// <summary>
/// Turns a failed xl run into one <see cref="XenCommandException"/> with a stable error id and category.
/// xl reports errors as free text on standard error (exit code 1 or 3, 255 when it crashed); the patterns below
/// are the messages seen on a real Xen 4.17 Dom0 (tests/XenPS.Core.Tests/Data) and read from tools/xl/*.c.
/// </summary>
public static class XlErrorClassifier
{
    private sealed class Rule
    {
        public Rule(string id, XenErrorKind kind, string pattern, Func<Match, string, string> message)
        {
            Id = id;
            Kind = kind;
            Regex = new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant);
            Message = message;
        }

        public string Id { get; }
        public XenErrorKind Kind { get; }
        public Regex Regex { get; }
        public Func<Match, string, string> Message { get; }
    }

    private static readonly Rule[] Rules =
    {
        new("XenNotDom0", XenErrorKind.PermissionDenied,
            @"Could not obtain handle on privileged command interface|cannot init xl context|cannot open libxc handle|xencall: error",
            (_, host) => $"Host '{host}' is not a running Xen Dom0, or xl was not run as root (xl could not open /dev/xen/privcmd). Boot the host into Xen and run as root."),
        new("XenDomainExists", XenErrorKind.ResourceExists,
            @"Domain with name ""(?<name>[^""]+)"" already exists",
            (m, host) => $"A domain named '{m.Groups["name"].Value}' already exists on host '{host}'."),
        new("XenConfigNotFound", XenErrorKind.ObjectNotFound,
            @"Failed to read config file: (?<file>.+?): No such file or directory",
            (m, host) => $"The domain configuration file '{m.Groups["file"].Value}' does not exist on host '{host}'."),
        new("XenConfigInvalid", XenErrorKind.InvalidData,
            @"(?<where>\S+:\d+): config parsing error near (?<near>.*)$|Failed to parse config",
            (m, host) => m.Groups["where"].Success
                ? $"The domain configuration is not valid xl.cfg syntax at {m.Groups["where"].Value}: parsing error near {m.Groups["near"].Value.Trim()}."
                : "The domain configuration is not valid xl.cfg syntax."),
        new("XenInsufficientMemory", XenErrorKind.ResourceUnavailable,
            @"failed to free memory for the domain|[Oo]ut of memory|[Nn]ot enough memory|Cannot allocate memory|insufficient memory",
            (_, host) => $"Host '{host}' does not have enough free memory for this domain."),
        new("XenGuestFileNotFound", XenErrorKind.ObjectNotFound,
            @"failed to open file '(?<file>[^']+)'|failed to stat: (?<file>[^:]+): No such file",
            (m, host) => $"The file '{m.Groups["file"].Value}' named in the domain configuration does not exist on host '{host}'."),
        new("XenBridgeNotFound", XenErrorKind.ObjectNotFound,
            @"Could not find bridge device (?<bridge>\S+)",
            (m, host) => $"The network bridge '{m.Groups["bridge"].Value}' does not exist on host '{host}' (FreeBSD names it bridge0: create it with cloned_interfaces, see Initialize-XenDom0 -BridgeInterface)."),
        new("XenNoPvControl", XenErrorKind.InvalidOperation,
            @"PV control interface not available",
            (_, host) => "The guest has no PV drivers, so it cannot be shut down or rebooted gracefully (use the ACPI fallback, or -Force)."),
        new("XenDomain0Protected", XenErrorKind.InvalidOperation,
            @"Not destroying domain 0",
            (_, host) => "Domain 0 (the Dom0 itself) cannot be destroyed."),
        // Last: xl prints "Non-existant domain" while cleaning up after many other failures.
        new("XenDomainNotFound", XenErrorKind.ObjectNotFound,
            @"^(?<id>.+?) is an invalid domain identifier|Domain '(?<id>\d+)' does not exist",
            (m, host) => $"Domain '{m.Groups["id"].Value}' does not exist on host '{host}'."),
    };

    /// <summary>Classifies a failed run. <paramref name="computerName"/> names the host in messages.</summary>
    public static XenCommandException Classify(CommandResult result, string commandLine, string computerName)
    {
        var stderr = result.StandardError ?? string.Empty;
        foreach (var rule in Rules)
        {
            var m = rule.Regex.Match(stderr);
            if (!m.Success) continue;
            return Build(rule.Id, rule.Kind, rule.Message(m, computerName), result, commandLine, computerName);
        }

        if (result.ExitCode == 127 && Regex.IsMatch(stderr, @"not found|No such file", RegexOptions.CultureInvariant))
        {
            var tool = result.FileName;
            var missing = new XenToolNotFoundException(tool);
            return Build(missing.ErrorId, XenErrorKind.NotInstalled, $"On host '{computerName}': {missing.Message}", result, commandLine, computerName);
        }

        var crashed = result.ExitCode >= 128 ? " (the program was killed by a signal or crashed; check the real state with Get-XenDomain)" : string.Empty;
        return Build("XenCommandFailed", XenErrorKind.NotSpecified, $"'{commandLine}' failed on host '{computerName}' with exit code {result.ExitCode}{crashed}.", result, commandLine, computerName);
    }

    private static XenCommandException Build(string id, XenErrorKind kind, string summary, CommandResult result, string commandLine, string computerName)
    {
        var detail = Summarize(result.StandardError);
        var message = detail.Length == 0 ? summary : $"{summary} {result.FileName} said: {detail}";
        return new XenCommandException(id, kind, message, result, commandLine) { ComputerName = computerName };
    }

    /// <summary>The lines of standard error worth showing: error lines, else the last few lines.</summary>
    public static string Summarize(string? stderr)
    {
        var lines = (stderr ?? string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var errors = lines.Where(l => l.IndexOf("error", StringComparison.OrdinalIgnoreCase) >= 0
                                   || l.IndexOf("fail", StringComparison.OrdinalIgnoreCase) >= 0
                                   || l.IndexOf("invalid", StringComparison.OrdinalIgnoreCase) >= 0
                                   || l.IndexOf("not exist", StringComparison.OrdinalIgnoreCase) >= 0
                                   || l.IndexOf("already exists", StringComparison.OrdinalIgnoreCase) >= 0).ToList();
        IEnumerable<string> chosen = errors.Count > 0 ? errors.Take(4) : lines.Skip(Math.Max(0, lines.Count - 3));
        return string.Join(" | ", chosen);
    }
}
