using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using XenPS.Core.Parsing;

namespace XenPS.Core.Tests.Parsing;

/// <summary>
/// SYNTHETIC re-printing of real `xl list -l` JSON with other whitespace: what json-c (Xen 4.21+,
/// JSON_C_TO_STRING_PRETTY[_TAB][|SPACED]) prints instead of yajl's 4-space layout. Same values, same key order.
/// </summary>
internal static class JsonReformat
{
    /// <param name="indent">"  " (json-c PRETTY), "\t" (PRETTY_TAB), or null for one line.</param>
    /// <param name="colon">":" (json-c without SPACED) or ": ".</param>
    /// <param name="escapeSlashes">json-c escapes '/' as "\/" unless told not to.</param>
    public static string Print(string json, string? indent, string colon, bool escapeSlashes)
    {
        using var doc = JsonDocument.Parse(json);
        var sb = new StringBuilder();
        Write(sb, doc.RootElement, indent, colon, escapeSlashes, 0);
        return sb.Append('\n').ToString();
    }

    private static void NewLine(StringBuilder sb, string? indent, int depth)
    {
        if (indent is null) return;
        sb.Append('\n');
        for (var i = 0; i < depth; i++) sb.Append(indent);
    }

    private static void Write(StringBuilder sb, JsonElement e, string? indent, string colon, bool escapeSlashes, int depth)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
            {
                sb.Append('{');
                var first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    NewLine(sb, indent, depth + 1);
                    WriteString(sb, p.Name, escapeSlashes);
                    sb.Append(colon);
                    Write(sb, p.Value, indent, colon, escapeSlashes, depth + 1);
                }
                NewLine(sb, indent, depth);
                sb.Append('}');
                break;
            }
            case JsonValueKind.Array:
            {
                sb.Append('[');
                var first = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    NewLine(sb, indent, depth + 1);
                    Write(sb, item, indent, colon, escapeSlashes, depth + 1);
                }
                NewLine(sb, indent, depth);
                sb.Append(']');
                break;
            }
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!, escapeSlashes);
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s, bool escapeSlashes)
    {
        sb.Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '/' when escapeSlashes: sb.Append("\\/"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Everything the parser read, except the raw JSON text, as one comparable string.</summary>
    public static string Snapshot(IEnumerable<XlDomainConfig> configs) =>
        JsonSerializer.Serialize(configs.Select(c => new
        {
            c.DomId, c.Name, c.Uuid, Type = c.Type.ToString(), c.MaxMemoryKB, c.TargetMemoryKB, c.MaxVCpus, c.AvailableVCpus,
            c.Kernel, c.Ramdisk, c.Cmdline, c.Disks, c.Nics, c.Vnc, c.Serial, c.Boot, c.OnPoweroff, c.OnReboot, c.OnCrash,
        }));

    /// <summary>True when two JSON texts hold the same values (whitespace and escapes don't matter).</summary>
    public static bool SameJson(string a, string b) => JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
}
