using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace XenPS;

/// <summary>
/// One element of xl.cfg's <c>vif = [ ... ]</c> (xl-network-configuration(5)): comma-separated <c>key=value</c>
/// options, e.g. <c>mac=00:16:3e:74:34:32,bridge=bridge0</c>. Every option is kept in order, unknown ones included;
/// the typed properties read and write them.
/// </summary>
public sealed class XenVifSpec
{
    /// <summary>The keys xl's parse_nic_config knows (and the flags trusted/untrusted); colo_* keys are accepted by prefix.</summary>
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "type", "mac", "bridge", "netdev", "gatewaydev", "ip", "script", "backend", "vifname", "model", "rate", "accel",
        "devid", "mtu", "vlan", "forwarddev", "trusted", "untrusted", "vid",
    };

    private static readonly Regex MacPattern = new("^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$", RegexOptions.CultureInvariant);

    private readonly List<KeyValuePair<string, string?>> _options = new();
    private string? _parsedCanonical;

    /// <summary>The options in order; a null value is a flag without "=" (trusted, untrusted).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Options => _options;

    /// <summary>Options xl does not know: xl refuses the vif with "unrecognized argument".</summary>
    public IReadOnlyList<string> UnknownKeys =>
        _options.Select(o => o.Key).Where(k => !KnownKeys.Contains(k) && !k.StartsWith("colo_", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The MAC address (default: random in 00:16:3e).</summary>
    public string? Mac { get => Get("mac"); set => Set("mac", value); }

    /// <summary>The bridge (default xenbr0, which FreeBSD does not have: use bridge0 or xl.conf's vif.default.bridge).</summary>
    public string? Bridge { get => Get("bridge"); set => Set("bridge", value); }

    /// <summary>The emulated NIC of an HVM guest: rtl8139, e1000…</summary>
    public string? Model { get => Get("model"); set => Set("model", value); }

    /// <summary>ioemu or vif.</summary>
    public string? Type { get => Get("type"); set => Set("type", value); }

    /// <summary>The backend interface name (default vifDOMID.DEVID).</summary>
    public string? VifName { get => Get("vifname"); set => Set("vifname", value); }

    public string? Ip { get => Get("ip"); set => Set("ip", value); }

    public string? Script { get => Get("script"); set => Set("script", value); }

    /// <summary>The rate limit, e.g. 10Mb/s@20ms.</summary>
    public string? Rate { get => Get("rate"); set => Set("rate", value); }

    public string? Backend { get => Get("backend"); set => Set("backend", value); }

    public string? GatewayDev { get => Get("gatewaydev"); set => Set("gatewaydev", value); }

    public int? Mtu
    {
        get => ParseInt(Get("mtu"));
        set => Set("mtu", value?.ToString(CultureInfo.InvariantCulture));
    }

    public int? DevId
    {
        get => ParseInt(Get("devid"));
        set => Set("devid", value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The spec as written in the file (null for a spec built in code).</summary>
    public string? OriginalText { get; private set; }

    /// <summary>Position in the config's vif list; -1 when not from a config.</summary>
    public int Index { get; internal set; } = -1;

    /// <summary>Line of the spec's string in the config file; 0 when unknown.</summary>
    public int Line { get; internal set; }

    public bool IsModified => OriginalText is null || _parsedCanonical != ToSpec();

    /// <summary>The value of an option (the last one when repeated, as xl reads them); null when absent or a flag.</summary>
    public string? Get(string key) => _options.LastOrDefault(o => o.Key == key).Value;

    public bool Has(string key) => _options.Any(o => o.Key == key);

    /// <summary>Sets an option in place (its first occurrence; later repeats are removed), appends it when new, removes it when null.</summary>
    public void Set(string key, string? value)
    {
        if (string.IsNullOrEmpty(key) || key.IndexOfAny(new[] { ',', '=' }) >= 0)
            throw new ArgumentException($"'{key}' is not a valid vif option name.", nameof(key));
        if (value is not null && value.IndexOf(',') >= 0)
            throw new ArgumentException($"A vif option value cannot contain ',' ('{value}').", nameof(value));
        var first = _options.FindIndex(o => o.Key == key);
        if (value is null)
        {
            _options.RemoveAll(o => o.Key == key);
            return;
        }
        if (first < 0)
        {
            _options.Add(new KeyValuePair<string, string?>(key, value));
            return;
        }
        _options[first] = new KeyValuePair<string, string?>(key, value);
        for (var i = _options.Count - 1; i > first; i--)
        {
            if (_options[i].Key == key) _options.RemoveAt(i);
        }
    }

    /// <summary>Sets or clears a flag option such as trusted.</summary>
    public void SetFlag(string key, bool present)
    {
        _options.RemoveAll(o => o.Key == key);
        if (present) _options.Add(new KeyValuePair<string, string?>(key, null));
    }

    /// <summary>Problems xl would have with this vif.</summary>
    public IReadOnlyList<string> GetProblems()
    {
        var problems = new List<string>();
        foreach (var key in UnknownKeys) problems.Add($"unrecognized argument `{key}' (xl refuses the vif)");
        if (Mac is { } mac && !MacPattern.IsMatch(mac)) problems.Add($"invalid mac '{mac}' (six hexadecimal bytes separated by ':')");
        if (Type is { } type && type is not ("vif" or "ioemu")) problems.Add($"invalid type '{type}' (vif or ioemu)");
        if (Has("mtu") && Mtu is null) problems.Add($"invalid mtu '{Get("mtu")}'");
        if (Has("devid") && DevId is null) problems.Add($"invalid devid '{Get("devid")}'");
        return problems;
    }

    /// <summary>The options joined as "key=value,key=value" (the style of the FreeBSD Handbook and the xl man page).</summary>
    public string ToSpec() => string.Join(",", _options.Select(o => o.Value is null ? o.Key : o.Key + "=" + o.Value));

    /// <summary>The text to write: the original spec when nothing changed, else <see cref="ToSpec"/>.</summary>
    public override string ToString() => !IsModified && OriginalText is not null ? OriginalText : ToSpec();

    /// <summary>Splits a vif spec as xl does: on ',', each option trimmed, "key=value" or a bare flag.</summary>
    public static XenVifSpec Parse(string spec)
    {
        if (spec is null) throw new ArgumentNullException(nameof(spec));
        var vif = new XenVifSpec { OriginalText = spec };
        foreach (var raw in spec.Split(','))
        {
            var token = raw.Trim();
            if (token.Length == 0) continue;
            var equals = token.IndexOf('=');
            vif._options.Add(equals < 0
                ? new KeyValuePair<string, string?>(token, null)
                : new KeyValuePair<string, string?>(token.Substring(0, equals), token.Substring(equals + 1)));
        }
        vif._parsedCanonical = vif.ToSpec();
        return vif;
    }

    private static int? ParseInt(string? text) =>
        text is not null && int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
