using System;
using System.Collections.Generic;
using System.Globalization;
using XenPS.Core.Config;

namespace XenPS;

/// <summary>
/// One element of xl.cfg's <c>disk = [ ... ]</c> (xl-disk-configuration(5)): positional
/// <c>target,format,vdev,access</c>, key=value (<c>format=raw, vdev=xvda, access=rw, target=/path</c>), the flags
/// (<c>cdrom</c>, <c>discard</c>, …), the deprecated <c>raw:/path,hda,w</c> prefixes and <c>hdc:cdrom</c>, or a mix.
/// Parsing follows libxlutil's disk lexer (libxlu_disk_l.l) rule by rule, flex's longest match included.
/// </summary>
public sealed class XenDiskSpec
{
    private string? _parsedCanonical;
    private int _errorColumn = 1;

    /// <summary>The backing file or device (pdev_path); "" for an empty CD-ROM drive; null when not given.</summary>
    public string? Target { get; set; }

    /// <summary>raw, qcow, qcow2, vhd, qed or empty; null when not given (xl then uses raw).</summary>
    public string? Format { get; set; }

    /// <summary>The device name in the guest: xvda, hda, sda… xl requires it.</summary>
    public string? Vdev { get; set; }

    /// <summary>ro, r, rw or w as written; null when not given (xl then uses rw, ro for a CD-ROM).</summary>
    public string? Access { get; set; }

    /// <summary>devtype=cdrom, the cdrom flag or the deprecated vdev suffix ":cdrom".</summary>
    public bool IsCdrom { get; set; }

    /// <summary>phy, qdisk, tap or standalone.</summary>
    public string? BackendType { get; set; }

    /// <summary>The backend domain's name (backend=).</summary>
    public string? Backend { get; set; }

    /// <summary>xen or virtio.</summary>
    public string? Specification { get; set; }

    /// <summary>The block script (script=, or block-iscsi etc. from a deprecated iscsi:/nbd:/enbd:/drbd: prefix).</summary>
    public string? Script { get; set; }

    public bool DirectIoSafe { get; set; }

    /// <summary>discard (true), no-discard (false), or not given.</summary>
    public bool? Discard { get; set; }

    /// <summary>trusted (true), untrusted (false), or not given.</summary>
    public bool? Trusted { get; set; }

    /// <summary>colo (true), no-colo (false), or not given.</summary>
    public bool? Colo { get; set; }

    public string? ColoHost { get; set; }

    public string? ColoPort { get; set; }

    public string? ColoExport { get; set; }

    public string? ActiveDisk { get; set; }

    public string? HiddenDisk { get; set; }

    /// <summary>grant_usage=1 (true) or grant_usage=0 (false).</summary>
    public bool? GrantUsage { get; set; }

    /// <summary>Deprecated prefixes that were given, e.g. "phy", "raw" or "tap:aio" (informational: xl ignores most of them).</summary>
    public string? DeprecatedPrefix { get; private set; }

    /// <summary>The spec as written in the file (null for a spec built in code).</summary>
    public string? OriginalText { get; private set; }

    /// <summary>Why xl would refuse this spec (its own message), or null.</summary>
    public string? ParseError { get; private set; }

    /// <summary>Position in the config's disk list; -1 when not from a config.</summary>
    public int Index { get; internal set; } = -1;

    /// <summary>Line of the spec's string in the config file; 0 when unknown.</summary>
    public int Line { get; internal set; }

    public bool IsReadOnly => IsCdrom || Access is "r" or "ro";

    /// <summary>The format xl uses: the given one, else raw (empty for a CD-ROM drive without media).</summary>
    public string EffectiveFormat => IsCdrom && string.IsNullOrEmpty(Target) ? "empty" : Format ?? "raw";

    /// <summary>True for a spec built in code, or one whose fields changed since it was parsed.</summary>
    public bool IsModified => OriginalText is null || _parsedCanonical != ToSpec();

    /// <summary>The canonical key=value form: <c>format=raw, vdev=hda, access=rw, devtype=cdrom, target=/path</c> (target last: it swallows commas).</summary>
    public string ToSpec()
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null) parts.Add(key + "=" + value);
        }
        void Flag(bool? value, string yes, string no)
        {
            if (value is { } v) parts.Add(v ? yes : no);
        }
        Add("format", Format);
        Add("vdev", Vdev);
        Add("access", Access);
        if (IsCdrom) parts.Add("devtype=cdrom");
        Add("backendtype", BackendType);
        Add("backend", Backend);
        Add("specification", Specification);
        Add("script", Script);
        if (DirectIoSafe) parts.Add("direct-io-safe");
        Flag(Discard, "discard", "no-discard");
        Flag(Trusted, "trusted", "untrusted");
        Flag(Colo, "colo", "no-colo");
        Add("colo-host", ColoHost);
        Add("colo-port", ColoPort);
        Add("colo-export", ColoExport);
        Add("active-disk", ActiveDisk);
        Add("hidden-disk", HiddenDisk);
        Flag(GrantUsage, "grant_usage=1", "grant_usage=0");
        // xl strips one trailing comma from target=: a target that ends with ',' needs one more
        if (Target is not null) parts.Add("target=" + Target + (Target.EndsWith(",", StringComparison.Ordinal) ? "," : string.Empty));
        return string.Join(", ", parts);
    }

    /// <summary>The text to write: the original spec when nothing changed, else <see cref="ToSpec"/>.</summary>
    public override string ToString() => !IsModified && OriginalText is not null ? OriginalText : ToSpec();

    /// <summary>Parses a disk spec; throws what xl would complain about.</summary>
    /// <exception cref="XenConfigSyntaxException">xl's disk parser would refuse the spec.</exception>
    public static XenDiskSpec Parse(string spec)
    {
        var disk = ParseLenient(spec);
        if (disk.ParseError is not null) throw new XenConfigSyntaxException(disk.ParseError, null, 1, disk._errorColumn);
        return disk;
    }

    /// <summary>Parses a disk spec; problems go to <see cref="ParseError"/> instead of an exception.</summary>
    internal static XenDiskSpec ParseLenient(string spec)
    {
        if (spec is null) throw new ArgumentNullException(nameof(spec));
        var disk = new XenDiskSpec { OriginalText = spec };
        new Scanner(spec, disk).Run();
        disk._parsedCanonical = disk.ToSpec();
        return disk;
    }

    /// <summary>libxlu_disk_l.l: candidates are tried at each position, the longest match wins, the earlier rule on a tie.</summary>
    private sealed class Scanner
    {
        private static readonly string[] FormatPrefixes = { "raw:", "qcow:", "qcow2:", "vhd:" };
        private static readonly string[] ScriptPrefixes = { "iscsi:", "nbd:", "enbd:", "drbd:" };
        private static readonly string[][] IgnoredPrefixes =
        {
            new[] { "tapdisk:" }, new[] { "tap:", "tap2:" }, new[] { "aio:" }, new[] { "ioemu:" }, new[] { "file:" }, new[] { "phy:" },
        };

        private readonly string _s;
        private readonly XenDiskSpec _d;
        private bool _hadDeprecatedPrefix;
        private bool _accessSet;

        public Scanner(string spec, XenDiskSpec disk)
        {
            _s = spec;
            _d = disk;
        }

        private enum Rule
        {
            Whitespace, FormatKey, CdromFlag, DevtypeCdrom, DevtypeDisk, DevtypeOther, AccessKey, BackendKey, BackendTypeKey,
            SpecificationKey, VdevKey, ScriptKey, DirectIoSafe, Discard, NoDiscard, Colo, NoColo, ColoHost, ColoPort, ColoExport,
            ActiveDisk, HiddenDisk, Trusted, Untrusted, GrantUsage1, GrantUsage0, Target, UnknownParameter, FormatPrefix,
            ScriptPrefix, IgnoredPrefix, UnknownPrefix, Positional, Bad,
        }

        private static readonly (Rule Rule, string Text)[] ValueRules =
        {
            (Rule.FormatKey, "format="), (Rule.AccessKey, "access="), (Rule.BackendKey, "backend="), (Rule.BackendTypeKey, "backendtype="),
            (Rule.SpecificationKey, "specification="), (Rule.VdevKey, "vdev="), (Rule.ScriptKey, "script="), (Rule.ColoHost, "colo-host="),
            (Rule.ColoPort, "colo-port="), (Rule.ColoExport, "colo-export="), (Rule.ActiveDisk, "active-disk="), (Rule.HiddenDisk, "hidden-disk="),
            (Rule.DevtypeOther, "devtype="),
        };

        private static readonly (Rule Rule, string Text)[] FlagRules =
        {
            (Rule.CdromFlag, "cdrom"), (Rule.DevtypeCdrom, "devtype=cdrom"), (Rule.DevtypeDisk, "devtype=disk"), (Rule.DirectIoSafe, "direct-io-safe"),
            (Rule.Discard, "discard"), (Rule.NoDiscard, "no-discard"), (Rule.Colo, "colo"), (Rule.NoColo, "no-colo"), (Rule.Trusted, "trusted"),
            (Rule.Untrusted, "untrusted"), (Rule.GrantUsage1, "grant_usage=1"), (Rule.GrantUsage0, "grant_usage=0"),
        };

        public void Run()
        {
            var p = 0;
            while (p < _s.Length && _d.ParseError is null)
            {
                var (rule, consumed) = Match(p);
                var text = _s.Substring(p, consumed);
                if (!Act(rule, text, p)) return;
                p += consumed;
            }
        }

        private (Rule Rule, int Consumed) Match(int p)
        {
            var bestRule = Rule.Bad;
            var bestLength = 0;
            var bestConsumed = 0;
            void Offer(Rule rule, int length, int consumed)
            {
                // Strictly longer wins; on a tie the earlier rule (lower enum value) wins.
                if (length > bestLength || (length == bestLength && length > 0 && rule < bestRule))
                {
                    bestRule = rule;
                    bestLength = length;
                    bestConsumed = consumed;
                }
            }

            var c = _s[p];
            if (c is ' ' or '\t' or '\n')
            {
                var q = p;
                while (q < _s.Length && _s[q] is ' ' or '\t' or '\n') q++;
                Offer(Rule.Whitespace, q - p + (RestOfLine(q) - q), q - p);
            }
            foreach (var (rule, prefix) in ValueRules)
            {
                if (!At(p, prefix)) continue;
                var q = p + prefix.Length;
                while (q < _s.Length && _s[q] != ',') q++;
                if (q < _s.Length) q++;
                Offer(rule, q - p, q - p);
            }
            foreach (var (rule, literal) in FlagRules)
            {
                if (!At(p, literal)) continue;
                var q = p + literal.Length;
                if (q < _s.Length && _s[q] == ',') q++;
                Offer(rule, q - p, q - p);
            }
            if (At(p, "target=")) Offer(Rule.Target, RestOfLine(p) - p, RestOfLine(p) - p);
            if (c is >= 'a' and <= 'z')
            {
                var q = p + 1;
                while (q < _s.Length && _s[q] is '-' or (>= 'a' and <= 'z') or (>= '0' and <= '9')) q++;
                if (q + 1 < _s.Length && _s[q] == '=' && _s[q + 1] != ',')
                {
                    var end = q + 2;
                    if (end < _s.Length && _s[end] == ',') end++;
                    Offer(Rule.UnknownParameter, end - p, end - p);
                }
            }
            foreach (var prefix in FormatPrefixes) OfferPrefix(Rule.FormatPrefix, prefix);
            foreach (var prefix in ScriptPrefixes) OfferPrefix(Rule.ScriptPrefix, prefix);
            foreach (var group in IgnoredPrefixes)
            {
                foreach (var prefix in group) OfferPrefix(Rule.IgnoredPrefix, prefix);
            }
            if (c is >= 'a' and <= 'z')
            {
                var q = p + 1;
                while (q < _s.Length && _s[q] is (>= 'a' and <= 'z') or (>= '0' and <= '9')) q++;
                if (q < _s.Length && _s[q] == ':')
                {
                    var length = q + 1 - p;
                    if (q + 1 < _s.Length && !(_s[q + 1] is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
                        length += 1 + (RestOfLine(q + 2) - (q + 2));
                    Offer(Rule.UnknownPrefix, length, q + 1 - p);
                }
            }
            {
                var q = p;
                while (q < _s.Length && _s[q] != '=' && _s[q] != ',') q++;
                if (q < _s.Length && _s[q] == ',') Offer(Rule.Positional, q + 1 - p, q + 1 - p);
                else if (q > p) Offer(Rule.Positional, q - p, q - p);
            }
            if (bestLength == 0) return (Rule.Bad, 1);
            return (bestRule, bestConsumed);

            void OfferPrefix(Rule rule, string prefix)
            {
                if (!At(p, prefix)) return;
                var after = p + prefix.Length;
                Offer(rule, prefix.Length + (RestOfLine(after) - after), prefix.Length);
            }
        }

        private bool At(int p, string literal) => p + literal.Length <= _s.Length && string.CompareOrdinal(_s, p, literal, 0, literal.Length) == 0;

        /// <summary>Where flex's ".*" starting at <paramref name="from"/> stops: the next line feed or the end.</summary>
        private int RestOfLine(int from)
        {
            if (from >= _s.Length) return _s.Length;
            var newline = _s.IndexOf('\n', from);
            return newline < 0 ? _s.Length : newline;
        }

        private static string Strip(string text, char delimiter) =>
            text.Length > 0 && text[text.Length - 1] == delimiter ? text.Substring(0, text.Length - 1) : text;

        private static string FromEquals(string text) => text.Substring(text.IndexOf('=') + 1);

        /// <summary>Runs a rule's action; false stops the scan (xl's "return 0").</summary>
        private bool Act(Rule rule, string text, int position)
        {
            switch (rule)
            {
                case Rule.Whitespace:
                    return true;
                case Rule.FormatKey:
                    SetFormat(FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.CdromFlag:
                case Rule.DevtypeCdrom:
                    _d.IsCdrom = true;
                    return true;
                case Rule.DevtypeDisk:
                    _d.IsCdrom = false;
                    return true;
                case Rule.DevtypeOther:
                    Fail(text, "unknown value for type", position);
                    return true;
                case Rule.AccessKey:
                    SetAccess(FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.BackendKey:
                    _d.Backend = Save("backend", _d.Backend, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.BackendTypeKey:
                    {
                        var value = FromEquals(Strip(text, ','));
                        if (value is "phy" or "tap" or "qdisk" or "standalone") _d.BackendType = SetEnum("backend", _d.BackendType, value, position);
                        else Fail(value, "unknown value for backendtype", position);
                        return true;
                    }
                case Rule.SpecificationKey:
                    {
                        var value = FromEquals(Strip(text, ','));
                        if (value is "xen" or "virtio") _d.Specification = SetEnum("specification", _d.Specification, value, position);
                        else Fail(value, "unknown value for specification", position);
                        return true;
                    }
                case Rule.VdevKey:
                    _d.Vdev = Save("vdev", _d.Vdev, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.ScriptKey:
                    _d.Script = Save("script", _d.Script, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.DirectIoSafe:
                    _d.DirectIoSafe = true;
                    return true;
                case Rule.Discard:
                    _d.Discard = true;
                    return true;
                case Rule.NoDiscard:
                    _d.Discard = false;
                    return true;
                case Rule.Colo:
                    _d.Colo = true;
                    return true;
                case Rule.NoColo:
                    _d.Colo = false;
                    return true;
                case Rule.ColoHost:
                    _d.ColoHost = Save("colo-host", _d.ColoHost, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.ColoPort:
                    {
                        var value = FromEquals(Strip(text, ','));
                        if (AtoI(value) != 0) _d.ColoPort = value;
                        else Fail(value, "unknown value for colo_port", position);
                        return true;
                    }
                case Rule.ColoExport:
                    _d.ColoExport = Save("colo-export", _d.ColoExport, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.ActiveDisk:
                    _d.ActiveDisk = Save("active-disk", _d.ActiveDisk, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.HiddenDisk:
                    _d.HiddenDisk = Save("hidden-disk", _d.HiddenDisk, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.Trusted:
                    _d.Trusted = true;
                    return true;
                case Rule.Untrusted:
                    _d.Trusted = false;
                    return true;
                case Rule.GrantUsage1:
                    _d.GrantUsage = true;
                    return true;
                case Rule.GrantUsage0:
                    _d.GrantUsage = false;
                    return true;
                case Rule.Target:
                    _d.Target = Save("target", _d.Target, FromEquals(Strip(text, ',')), position);
                    return true;
                case Rule.UnknownParameter:
                    Fail(text, "unknown parameter", position);
                    return true;
                case Rule.FormatPrefix:
                    {
                        var name = Strip(text, ':');
                        _hadDeprecatedPrefix = true;
                        AddPrefix(name);
                        SetFormat(name, position);
                        return true;
                    }
                case Rule.ScriptPrefix:
                    {
                        var name = Strip(text, ':');
                        _hadDeprecatedPrefix = true;
                        AddPrefix(name);
                        _d.Script = Save("script", _d.Script, "block-" + name, position);
                        return true;
                    }
                case Rule.IgnoredPrefix:
                    _hadDeprecatedPrefix = true;
                    AddPrefix(Strip(text, ':'));
                    return true;
                case Rule.UnknownPrefix:
                    Fail(text, "unknown deprecated disk prefix", position);
                    return false;
                case Rule.Positional:
                    return Positional(Strip(text, ','), position);
                default:
                    var end = RestOfLine(position);
                    Fail(_s.Substring(position, Math.Max(1, end - position)), "bad disk syntax", position);
                    return false;
            }
        }

        private bool Positional(string text, int position)
        {
            if (_d.Target is null)
            {
                _d.Target = text;
            }
            else if (!_hadDeprecatedPrefix && _d.Format is null)
            {
                if (_d.Target.Length == 0 && VdevAndDevtype(text, position)) _d.Format = "empty";
                else SetFormat(text, position);
            }
            else if (_d.Vdev is null)
            {
                if (!VdevAndDevtype(text, position)) _d.Vdev = text;
            }
            else if (!_accessSet)
            {
                _accessSet = true;
                SetAccess(text, position);
            }
            else
            {
                Fail(text, "too many positional parameters", position);
                return false;
            }
            return true;
        }

        /// <summary>"hdc:cdrom" / "hda:disk" in the vdev position (deprecated).</summary>
        private bool VdevAndDevtype(string text, int position)
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0) return false;
            _d.Vdev = Save("vdev", _d.Vdev, text.Substring(0, colon), position);
            var type = text.Substring(colon + 1);
            if (type == "cdrom") _d.IsCdrom = true;
            else if (type == "disk") _d.IsCdrom = false;
            else Fail(type, "unknown deprecated type", position);
            return true;
        }

        private void SetFormat(string value, int position)
        {
            var format = value switch
            {
                "" or "raw" => "raw",
                "qcow" or "qcow2" or "vhd" or "empty" or "qed" => value,
                _ => null,
            };
            if (format is null)
            {
                Fail(value, "unknown value for format", position);
                return;
            }
            _d.Format = SetEnum("format", _d.Format, format, position);
        }

        private void SetAccess(string value, int position)
        {
            if (value is "r" or "ro" or "rw" or "w") _d.Access = value;
            else if (value.Length == 0) _d.Access = "rw";
            else Fail(value, "unknown value for access", position);
        }

        /// <summary>DSET: an enum may be set again only to the same value.</summary>
        private string? SetEnum(string member, string? current, string value, int position)
        {
            if (current is not null && current != value)
            {
                Fail(value, member + " respecified", position);
                return current;
            }
            return value;
        }

        /// <summary>savestring: a string may be set again only when it is still empty.</summary>
        private string Save(string what, string? current, string value, int position)
        {
            if (!string.IsNullOrEmpty(current))
            {
                Fail(value, what + " respecified", position);
                return current!;
            }
            return value;
        }

        private void AddPrefix(string name) =>
            _d.DeprecatedPrefix = _d.DeprecatedPrefix is null ? name : _d.DeprecatedPrefix + ":" + name;

        private static int AtoI(string text)
        {
            var i = 0;
            while (i < text.Length && XlConfigText.IsCSpace(text[i])) i++;
            var negative = false;
            if (i < text.Length && text[i] is '+' or '-')
            {
                negative = text[i] == '-';
                i++;
            }
            long value = 0;
            while (i < text.Length && text[i] is >= '0' and <= '9' && value < int.MaxValue)
            {
                value = value * 10 + (text[i] - '0');
                i++;
            }
            return (int)Math.Min(int.MaxValue, negative ? -value : value);
        }

        private void Fail(string near, string message, int position)
        {
            if (_d.ParseError is not null) return;
            _d.ParseError = string.Format(CultureInfo.InvariantCulture,
                "config parsing error in disk specification: {0}: near `{1}' in `{2}'", message, near, _d.OriginalText);
            _d._errorColumn = position + 1;
        }
    }
}
