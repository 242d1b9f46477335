using System;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.Hosts;

/// <summary>An SSH destination: host or ssh_config alias, optional user and port ("user@host:port", "[::1]:22").</summary>
public sealed class SshTarget
{
    public SshTarget(string host, string? user = null, int? port = null)
    {
        Validate(host, "host name", host: true);
        if (user is not null) Validate(user, "user name", host: false);
        if (port is < 1 or > 65535) throw new ArgumentException($"SSH port {port} is not between 1 and 65535.", nameof(port));
        Host = host;
        User = user;
        Port = port;
    }

    public string Host { get; }
    public string? User { get; }
    public int? Port { get; }

    /// <summary>What ssh gets as destination (the port travels as -p).</summary>
    public string Destination => User is null ? Host : $"{User}@{Host}";

    /// <summary>The canonical text, e.g. root@dom0:2222.</summary>
    public override string ToString()
    {
        var host = Host.Contains(':') ? $"[{Host}]" : Host;
        var text = User is null ? host : $"{User}@{host}";
        return Port is null ? text : $"{text}:{Port.Value.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Parses host, user@host, host:port, user@host:port, [v6]:port, user@[v6]:port and a bare IPv6 address.</summary>
    public static SshTarget Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("The computer name is empty.", nameof(text));
        text = text.Trim();
        string? user = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            user = text.Substring(0, at);
            text = text.Substring(at + 1);
            if (user.Length == 0) throw new ArgumentException($"'{text}' has an empty user name before '@'.");
        }

        int? port = null;
        string host;
        if (text.StartsWith("[", StringComparison.Ordinal))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new ArgumentException($"'{text}' opens '[' without closing it.");
            host = text.Substring(1, close - 1);
            var rest = text.Substring(close + 1);
            if (rest.Length > 0)
            {
                if (rest[0] != ':') throw new ArgumentException($"Unexpected '{rest}' after the address in '{text}'.");
                port = ParsePort(rest.Substring(1), text);
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            host = text.Substring(0, colon);
            port = ParsePort(text.Substring(colon + 1), text);
        }
        else
        {
            host = text; // a plain name, or a bare IPv6 address (several colons, no port)
        }

        return new SshTarget(host, user, port);
    }

    private static int ParsePort(string text, string whole)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
            throw new ArgumentException($"'{text}' in '{whole}' is not a TCP port (1-65535).");
        return port;
    }

    /// <summary>
    /// An allowlist, not a denylist: the host and user travel into shell text that XenPS does not control (xl migrate
    /// builds "exec SSH-COMMAND HOST xl migrate-receive" and runs it with sh -c), and into ssh's own argument parsing.
    /// A host is a DNS name, an ssh_config alias, an IPv4 address or an IPv6 address (with an optional %zone):
    /// ASCII letters, digits and . - _ : % only. A user name: ASCII letters, digits and . - _ only. Neither may start
    /// with '-', which ssh would read as an option.
    /// </summary>
    private static void Validate(string value, string what, bool host)
    {
        if (value.Length == 0) throw new ArgumentException($"The {what} is empty.");
        if (value[0] == '-') throw new ArgumentException($"The {what} '{value}' starts with '-', which ssh would read as an option.");
        foreach (var c in value)
        {
            var ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
                     (host && (c == ':' || c == '%'));
            if (!ok)
            {
                var shown = char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
                throw new ArgumentException(host
                    ? $"The {what} '{value}' contains {shown}: a host is a DNS name, an ssh_config alias or an IP address (letters, digits and . - _ : % only)."
                    : $"The {what} '{value}' contains {shown}: a user name may only hold letters, digits and . - _.");
            }
        }
    }
}
