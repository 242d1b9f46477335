using System;
using System.Globalization;
using System.Text;

namespace XenPS.Core.Config;

internal enum XlNumberStyle
{
    Decimal,
    Hex,
    Octal,
}

/// <summary>Quoting, escapes and number conversion exactly as libxlutil does them.</summary>
internal static class XlConfigText
{
    /// <summary>Quotes a value for xl: backslash, the quote, line break and carriage return are escaped; the rest is written as is.</summary>
    public static string Quote(string value, char quote)
    {
        if (quote != '"' && quote != '\'') throw new ArgumentException("An xl string is quoted with ' or \".", nameof(quote));
        var builder = new StringBuilder(value.Length + 2);
        builder.Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\0':
                    throw new ArgumentException("An xl config string cannot hold a NUL character.", nameof(value));
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (c == quote) builder.Append('\\');
                    builder.Append(c);
                    break;
            }
        }
        builder.Append(quote);
        return builder.ToString();
    }

    /// <summary>
    /// Resolves the escapes of a quoted token (quotes included) as xlu__cfgl_dequote does. Returns null and sets
    /// <paramref name="errorOffset"/> (offset of the backslash in <paramref name="token"/>) and <paramref name="error"/>
    /// for an escape xl rejects or mangles.
    /// </summary>
    public static string? Unquote(string token, out int errorOffset, out string? error)
    {
        errorOffset = -1;
        error = null;
        var builder = new StringBuilder(token.Length);
        var end = token.Length - 1;
        for (var i = 1; i < end; i++)
        {
            var c = token[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }
            var next = token[i + 1];
            switch (next)
            {
                case '"':
                case '\'':
                case '\\':
                    builder.Append(next);
                    break;
                case 'a': builder.Append('\a'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'v': builder.Append('\v'); break;
                case 'x':
                    errorOffset = i;
                    error = "'\\x' escapes cannot be used: xl (libxlutil) rejects every one of them with \"invalid digit after backslash hex numerical character escape\"";
                    return null;
                default:
                    errorOffset = i;
                    error = next is >= '0' and <= '7'
                        ? $"octal escape '\\{next}' cannot be used: xl (libxlutil) either rejects it or silently drops the character"
                        : $"invalid character '{Printable(next)}' after backslash in quoted string";
                    return null;
            }
            i++;
        }
        return builder.ToString();
    }

    /// <summary>
    /// strtol(s, &amp;end, 0) with xl's checks (xlu_cfg_get_bounded_long): leading blanks and a sign allowed, 0x hex,
    /// leading-0 octal, the whole text consumed, no overflow.
    /// </summary>
    public static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        var i = 0;
        while (i < text.Length && IsCSpace(text[i])) i++;
        var negative = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            negative = text[i] == '-';
            i++;
        }
        var radix = 10;
        if (i + 1 < text.Length && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X') && i + 2 < text.Length && DigitValue(text[i + 2]) is >= 0 and < 16)
        {
            radix = 16;
            i += 2;
        }
        else if (i < text.Length && text[i] == '0')
        {
            radix = 8;
        }
        var start = i;
        ulong magnitude = 0;
        for (; i < text.Length; i++)
        {
            var d = DigitValue(text[i]);
            if (d < 0 || d >= radix) break;
            if (magnitude > (ulong.MaxValue - (ulong)d) / (ulong)radix) return false;
            magnitude = magnitude * (ulong)radix + (ulong)d;
        }
        if (i == start || i != text.Length) return false;
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude;
            return true;
        }
        if (magnitude > long.MaxValue) return false;
        value = (long)magnitude;
        return true;
    }

    /// <summary>The style of a number as written: 0x… hex, 0… octal, else decimal.</summary>
    public static XlNumberStyle StyleOf(string text)
    {
        if (text.StartsWith("0x", StringComparison.Ordinal) || text.StartsWith("0X", StringComparison.Ordinal)) return XlNumberStyle.Hex;
        if (text.Length > 1 && text[0] == '0') return XlNumberStyle.Octal;
        return XlNumberStyle.Decimal;
    }

    public static string FormatNumber(long value, XlNumberStyle style)
    {
        if (value == 0) return style == XlNumberStyle.Hex ? "0x0" : "0";
        var sign = value < 0 ? "-" : string.Empty;
        var magnitude = value == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(value);
        return style switch
        {
            XlNumberStyle.Hex => sign + "0x" + magnitude.ToString("x", CultureInfo.InvariantCulture),
            XlNumberStyle.Octal => sign + "0" + ToOctal(magnitude),
            _ => value.ToString(CultureInfo.InvariantCulture),
        };
    }

    private static string ToOctal(ulong value)
    {
        var builder = new StringBuilder();
        while (value > 0)
        {
            builder.Insert(0, (char)('0' + (int)(value % 8)));
            value /= 8;
        }
        return builder.ToString();
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => -1,
    };

    public static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    /// <summary>A character as it may be shown in a message: control characters and odd ones as U+XXXX.</summary>
    public static string Printable(char c) =>
        c < 0x20 || c == 0x7f || c == '\uFEFF' || char.IsSurrogate(c)
            ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
            : c.ToString();

    /// <summary>A short text for messages, cut at <paramref name="max"/> characters.</summary>
    public static string Excerpt(string text, int max = 40)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                builder.Append('…');
                break;
            }
            builder.Append(c < 0x20 ? ' ' : c);
        }
        return builder.ToString();
    }
}
