using System;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace XenPS.Core.Hosts;

/// <summary>
/// The lossless mapping between a file's bytes and the text XenPS's editors work on. Valid UTF-8 becomes the
/// characters it encodes (so UTF-8 files read as text, and new text is written as UTF-8); every byte that is not part
/// of a valid UTF-8 sequence (a Latin-1 comment in /etc/rc.conf, a stray 0xFF) becomes one character of its own,
/// U+DC80 + (byte - 0x80), a lone low surrogate that no valid UTF-8 can produce, and is written back as that same byte
/// (Python calls this "surrogateescape"). So <c>Encode(Decode(bytes))</c> is always exactly <c>bytes</c>, whatever
/// the file's encoding, and an edit changes only the bytes of the lines it changes.
/// </summary>
public static class FileBytes
{
    private const char EscapeBase = '\uDC00';

    /// <summary>The text of a file's bytes (see the class remarks).</summary>
    public static string Decode(byte[] bytes)
    {
        if (bytes is null) throw new ArgumentNullException(nameof(bytes));
        var sb = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b < 0x80)
            {
                sb.Append((char)b);
                i++;
                continue;
            }
            var length = SequenceLength(bytes, i);
            if (length == 0)
            {
                sb.Append((char)(EscapeBase + b));
                i++;
                continue;
            }
            int code = length switch
            {
                2 => ((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F),
                3 => ((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F),
                _ => ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3F) << 12) | ((bytes[i + 2] & 0x3F) << 6) | (bytes[i + 3] & 0x3F),
            };
            sb.Append(char.ConvertFromUtf32(code));
            i += length;
        }
        return sb.ToString();
    }

    /// <summary>The bytes of a text (see the class remarks).</summary>
    /// <exception cref="ArgumentException">The text has a lone UTF-16 surrogate that does not stand for a byte:
    /// it has no bytes.</exception>
    public static byte[] Encode(string text)
    {
        if (text is null) throw new ArgumentNullException(nameof(text));
        var bytes = new byte[Utf8Length(text)];
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80)
            {
                bytes[n++] = (byte)c;
            }
            else if (c < 0x800)
            {
                bytes[n++] = (byte)(0xC0 | (c >> 6));
                bytes[n++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var code = char.ConvertToUtf32(c, text[++i]);
                bytes[n++] = (byte)(0xF0 | (code >> 18));
                bytes[n++] = (byte)(0x80 | ((code >> 12) & 0x3F));
                bytes[n++] = (byte)(0x80 | ((code >> 6) & 0x3F));
                bytes[n++] = (byte)(0x80 | (code & 0x3F));
            }
            else if (IsEscapedByte(c))
            {
                bytes[n++] = (byte)(c - EscapeBase);
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException($"The text has a lone UTF-16 surrogate (U+{(int)c:X4}) at position {i}: it cannot be written to a file.", nameof(text));
            }
            else
            {
                bytes[n++] = (byte)(0xE0 | (c >> 12));
                bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                bytes[n++] = (byte)(0x80 | (c & 0x3F));
            }
        }
        return bytes;
    }

    /// <summary>The SHA-256 of some bytes, as 64 lower-case hex digits (what sha256sum and sha256 -q print).</summary>
    public static string Sha256(byte[] bytes)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(bytes);
        var sb = new StringBuilder(64);
        foreach (var b in hash) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>Bytes from the output of <c>od -An -v -tx1</c>: two hex digits per byte, separated by blanks and
    /// newlines.</summary>
    /// <exception cref="FormatException">The text is not such output.</exception>
    public static byte[] FromOctalDump(string dump)
    {
        if (dump is null) throw new ArgumentNullException(nameof(dump));
        var bytes = new byte[dump.Length / 3 + 1];
        var n = 0;
        var i = 0;
        while (i < dump.Length)
        {
            var c = dump[i];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
            {
                i++;
                continue;
            }
            if (i + 1 >= dump.Length || Hex(c) < 0 || Hex(dump[i + 1]) < 0 || (i + 2 < dump.Length && !char.IsWhiteSpace(dump[i + 2])))
                throw new FormatException($"Unexpected output from od at offset {i}: '{Printable(dump, i)}'.");
            bytes[n++] = (byte)((Hex(c) << 4) | Hex(dump[i + 1]));
            i += 2;
        }
        Array.Resize(ref bytes, n);
        return bytes;
    }

    /// <summary>True for the characters that stand for a byte that is not valid UTF-8.</summary>
    public static bool IsEscapedByte(char c) => c >= '\uDC80' && c <= '\uDCFF';

    private static int Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string Printable(string s, int at)
    {
        var part = s.Substring(at, Math.Min(12, s.Length - at));
        return new string(part.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
    }

    /// <summary>The length of the valid, shortest-form UTF-8 sequence for a scalar value (no surrogates, at most
    /// U+10FFFF) that starts at <paramref name="i"/>, or 0.</summary>
    private static int SequenceLength(byte[] s, int i)
    {
        var b = s[i];
        int length;
        byte min = 0x80, max = 0xBF; // the allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) length = 2;
        else if (b >= 0xE0 && b <= 0xEF)
        {
            length = 3;
            if (b == 0xE0) min = 0xA0;      // no overlong forms
            else if (b == 0xED) max = 0x9F; // no surrogates
        }
        else if (b >= 0xF0 && b <= 0xF4)
        {
            length = 4;
            if (b == 0xF0) min = 0x90;      // no overlong forms
            else if (b == 0xF4) max = 0x8F; // nothing above U+10FFFF
        }
        else return 0;
        if (i + length > s.Length) return 0;
        if (s[i + 1] < min || s[i + 1] > max) return 0;
        for (var k = 2; k < length; k++)
        {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
        }
        return length;
    }

    private static int Utf8Length(string text)
    {
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80 || IsEscapedByte(c)) n += 1;
            else if (c < 0x800) n += 2;
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { n += 4; i++; }
            else n += 3; // a lone surrogate: Encode refuses it
        }
        return n;
    }
}
