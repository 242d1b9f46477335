using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Core.Execution;

/// <summary>
/// The one place that knows what a secret looks like in text XenPS shows (Verbose, Debug, errors, progress, -WhatIf)
/// or puts in an output object: the VNC and SPICE passwords of a guest. Every value is replaced by
/// <see cref="Mask"/>, quotes kept, so xl.cfg text stays xl.cfg and JSON stays valid JSON. It recognises:
/// <list type="bullet">
/// <item>xl.cfg settings and spec options: <c>vncpasswd = "…"</c>, <c>spicepasswd='…'</c>, <c>vncpasswd += "…"</c>,
/// an unquoted value, and <c>vncpasswd=…</c> inside a spec string (<c>vfb = [ 'vnc=1,vncpasswd=…' ]</c>), where
/// the value runs to the next comma or the closing quote (backslash escapes included);</item>
/// <item>JSON members <c>"passwd": "…"</c> (libxl's <c>libxl_vnc_info.passwd</c> and <c>libxl_spice_info.passwd</c>
/// in xl list -l), <c>"password"</c>, <c>"vncpasswd"</c>, <c>"spicepasswd"</c>, JSON escapes included;</item>
/// <item>QEMU's <c>password=…</c> option, which libxl puts on the -spice command line it logs under xl -vvv
/// (<c>password=on</c>/<c>off</c>, a flag, stays).</item>
/// </list>
/// Values known in advance (a password given to New-XenDomU) are masked anywhere with <see cref="Redact(string?, IEnumerable{string}?)"/>.
/// </summary>
public static class SecretRedactor
{
    /// <summary>What a secret is shown as.</summary>
    public const string Mask = "********";

    /// <summary>Known values shorter than this are masked only where a pattern finds them: masking every "a" of a
    /// text would make it unreadable and hide nothing a one-letter password does not already give away.</summary>
    public const int MinimumKnownLength = 4;

    /// <summary>The xl.cfg keys whose value is a password.</summary>
    public static IReadOnlyList<string> ConfigKeys { get; } = new[] { "vncpasswd", "spicepasswd" };

    // A key = value pair of xl.cfg (a statement, or an option inside a spec string). The value: a double- or
    // single-quoted string (escapes included; a string left open runs to the end of the line), else a run up to a
    // comma, a line break, or a quote that closes the enclosing string (one followed by blanks and then , ] ; # or
    // the end of the line).
    private static readonly Regex KeyValue = new(
        @"(?<![A-Za-z0-9_.])(?<key>vncpasswd|spicepasswd)(?<sep>[ \t]*\+?=[ \t]*)" +
        @"(?<value>""(?:[^""\\\r\n]|\\.)*""?|'(?:[^'\\\r\n]|\\.)*'?|(?:\\.|['""](?![ \t]*(?:[,\];#\r\n]|$))|[^,'""\\\r\n])*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline | RegexOptions.Compiled);

    // A JSON member whose name says password; the value is a JSON string.
    private static readonly Regex JsonMember = new(
        @"(?<key>""(?:passwd|password|vncpasswd|spicepasswd)"")(?<sep>\s*:\s*)(?<value>""(?:[^""\\]|\\.)*"")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // QEMU's password=VALUE option (comma-separated option list, as libxl logs the -spice argument).
    private static readonly Regex QemuOption = new(
        @"(?<![A-Za-z0-9_.-])(?<key>password)(?<sep>=)(?<value>(?:\\.|[^,\s'""\\])*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>True when the text may hold a secret a pattern recognises (every pattern names a password).</summary>
    public static bool MayContainSecret(string? text) =>
        !string.IsNullOrEmpty(text) && text!.IndexOf("passw", StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>True for an xl.cfg key whose value is a password (vncpasswd, spicepasswd).</summary>
    public static bool IsSecretConfigKey(string? key) =>
        key is not null && ConfigKeys.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Masks every secret the patterns recognise. Text without one is returned as it is (the same string).</summary>
    public static string Redact(string? text)
    {
        if (text is null) return string.Empty;
        if (!MayContainSecret(text)) return text;
        text = JsonMember.Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + MaskQuoted(m.Groups["value"].Value));
        text = KeyValue.Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + MaskQuoted(m.Groups["value"].Value));
        text = QemuOption.Replace(text, m => IsFlag(m.Groups["value"].Value)
            ? m.Value
            : m.Groups["key"].Value + m.Groups["sep"].Value + Mask);
        return text;
    }

    /// <summary>Masks what the patterns recognise and every occurrence of the known values (of at least
    /// <see cref="MinimumKnownLength"/> characters; also in their backslash-escaped form, as xl.cfg and JSON write them).</summary>
    public static string Redact(string? text, IEnumerable<string>? knownValues)
    {
        var result = Redact(text);
        if (knownValues is null || result.Length == 0) return result;
        foreach (var value in knownValues.Where(v => v is not null && v.Length >= MinimumKnownLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length))
        {
            var escaped = Escape(value);
            if (escaped != value) result = result.Replace(escaped, Mask);
            result = result.Replace(value, Mask);
        }
        return result;
    }

    /// <summary>Masks the password members of libxl JSON (xl list -l). The result is valid JSON when the input was:
    /// only string values change, to another string.</summary>
    public static string? RedactJson(string? json) => json is null ? null : Redact(json);

    /// <summary>Masks each line (e.g. log lines): the same as <see cref="Redact(string?, IEnumerable{string}?)"/> per line.</summary>
    public static IReadOnlyList<string> RedactLines(IEnumerable<string> lines, IEnumerable<string>? knownValues = null)
    {
        var known = knownValues?.ToList();
        return lines.Select(l => Redact(l, known)).ToArray();
    }

    /// <summary>The values a pattern would mask in <paramref name="text"/> (e.g. the passwords of a config file), unquoted
    /// and with backslash escapes undone; empty values left out.</summary>
    public static IReadOnlyList<string> FindSecrets(string? text)
    {
        var found = new List<string>();
        if (!MayContainSecret(text)) return found;
        foreach (Match m in JsonMember.Matches(text!)) found.Add(Unescape(Unquote(m.Groups["value"].Value)));
        foreach (Match m in KeyValue.Matches(text!)) found.Add(Unescape(Unquote(m.Groups["value"].Value)));
        foreach (Match m in QemuOption.Matches(text!))
        {
            if (!IsFlag(m.Groups["value"].Value)) found.Add(Unescape(m.Groups["value"].Value));
        }
        return found.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool IsFlag(string value) =>
        value.Length == 0 || value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("off", StringComparison.OrdinalIgnoreCase) ||
        value.Equals(Mask, StringComparison.Ordinal);

    /// <summary>The mask in the value's own quotes; an empty value (no password) stays as it is.</summary>
    private static string MaskQuoted(string value)
    {
        if (value.Length == 0) return value;
        var quote = value[0];
        if (quote is '"' or '\'')
        {
            var closed = value.Length >= 2 && value[value.Length - 1] == quote && !EndsWithEscape(value, value.Length - 1);
            var inner = value.Substring(1, closed ? value.Length - 2 : value.Length - 1);
            if (inner.Length == 0) return value;
            return quote + Mask + (closed ? quote.ToString() : string.Empty);
        }
        return value.Trim().Length == 0 ? value : Mask;
    }

    private static bool EndsWithEscape(string text, int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 1 && text[i] == '\\'; i--) backslashes++;
        return backslashes % 2 == 1;
    }

    private static string Unquote(string value)
    {
        if (value.Length == 0 || (value[0] != '"' && value[0] != '\'')) return value.TrimEnd(' ', '\t');
        var closed = value.Length >= 2 && value[value.Length - 1] == value[0] && !EndsWithEscape(value, value.Length - 1);
        return value.Substring(1, closed ? value.Length - 2 : value.Length - 1);
    }

    private static string Unescape(string value)
    {
        if (value.IndexOf('\\') < 0) return value;
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length) i++;
            sb.Append(value[i]);
        }
        return sb.ToString();
    }

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '\\' or '"' or '\'') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
