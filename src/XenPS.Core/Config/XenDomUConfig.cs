using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenPS.Core;
using XenPS.Core.Config;
using XenPS.Core.Execution;

namespace XenPS;

/// <summary>
/// A guest's xl.cfg as typed properties over the lossless <see cref="XlConfigDocument"/>: every read goes to the
/// syntax tree (xl's rules: last assignment wins, "+=" appends), every write edits it minimally, so comments, order
/// and layout survive. <see cref="ToFileText"/> is the file text; <see cref="ToString"/> is the same text with its
/// passwords masked, and no property carries a password (<see cref="HasVncPassword"/> and
/// <see cref="HasSpicePassword"/> say whether there is one): the object can be shown, logged, exported
/// (ConvertTo-Json, Export-Clixml) and piped without giving a secret away.
/// </summary>
public sealed class XenDomUConfig
{
    private static readonly string[] ShutdownActions =
    {
        "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart", "soft-reset",
    };

    private XenDomUConfig(XlConfigDocument document)
    {
        Document = document;
        Path = document.Path;
    }

    /// <summary>Parses a guest config. <paramref name="path"/> is only used in messages.</summary>
    /// <exception cref="XenConfigSyntaxException">xl would refuse the text (file, line and column in the message).</exception>
    public static XenDomUConfig Parse(string text, string? path = null) => new(XlConfigDocument.Parse(text, path));

    /// <summary>A new config: <c>name = "NAME"</c>, <c>type = "hvm"</c>, <c>memory = MB</c>, <c>vcpus = N</c>, one per line.</summary>
    public static XenDomUConfig Create(string name, XenDomainType type, long memoryMB, int vcpus)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A guest needs a name.", nameof(name));
        if (type == XenDomainType.Unknown) throw new ArgumentException("Choose HVM, PVH or PV.", nameof(type));
        if (memoryMB <= 0) throw new ArgumentOutOfRangeException(nameof(memoryMB), memoryMB, "Memory must be positive.");
        if (vcpus <= 0) throw new ArgumentOutOfRangeException(nameof(vcpus), vcpus, "A guest needs at least one vCPU.");
        var config = new XenDomUConfig(XlConfigDocument.Parse(string.Empty))
        {
            Name = name,
            Type = type,
            MemoryMB = memoryMB,
            VCpus = vcpus,
        };
        return config;
    }

    /// <summary>The syntax tree (comments, layout and all). Internal: its nodes hold every value, passwords included,
    /// and a public property would carry them into ConvertTo-Json and Export-Clixml.</summary>
    internal XlConfigDocument Document { get; }

    /// <summary>Where the file lives on its host (null for a config not yet written).</summary>
    public string? Path { get; set; }

    /// <summary>The host the file lives on ("localhost" when local).</summary>
    public string ComputerName { get; set; } = "localhost";

    /// <summary>What the file held when it was loaded (null: not loaded from a file): a save refuses to overwrite a file
    /// that changed since (compare-and-swap, <see cref="XenPS.Core.Hosts.FileWrite.Expected"/>).</summary>
    internal XenPS.Core.Hosts.FileExpectation? LoadedAs { get; set; }

    /// <summary>The file text with every password masked (what a person may see: Format-List, Export-Clixml's
    /// ToString, a transcript).</summary>
    public override string ToString() => SecretRedactor.Redact(Document.ToString(), SecretValues);

    /// <summary>The file text exactly as it is written to the host, passwords included. A method, not a property, so that
    /// nothing shows or exports it unless asked to.</summary>
    public string ToFileText() => Document.ToString();

    // ---------------------------------------------------------------- generic access

    /// <summary>Every key, once, in order of first appearance.</summary>
    public IReadOnlyList<string> Keys => Document.Keys;

    public bool Contains(string key) => Document.Contains(key);

    /// <summary>The value xl sees: a string (numbers as written), a list of such values, or null when absent.</summary>
    public object? Get(string key) => Document.GetValue(key)?.ToData();

    /// <summary>The value when it is a single string or number; null when absent or a list.</summary>
    public string? GetString(string key) => (Document.GetValue(key) as XlConfigAtom)?.Value;

    /// <summary>The value as xl's strtol reads it (decimal, 0x hex, 0 octal; quoted numbers too); null when absent, not a number, or built with "+=" (which xl refuses for numbers).</summary>
    public long? GetNumber(string key)
    {
        if (Document.IsAppended(key)) return null;
        return GetString(key) is { } text && XlConfigText.TryParseNumber(text, out var value) ? value : null;
    }

    /// <summary>The string elements of a list, as xl iterates them: it stops at the first element that is itself a list.</summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        var result = new List<string>();
        foreach (var item in Document.GetListItems(key))
        {
            if (item is not XlConfigAtom atom) break;
            result.Add(atom.Value);
        }
        return result;
    }

    /// <summary>
    /// Sets a key: a string (quoted), an integer (a number; negative ones quoted), a bool (1/0), a
    /// <see cref="XenDiskSpec"/>/<see cref="XenVifSpec"/> (its text), an <see cref="XlConfigValue"/>, or a sequence of
    /// those (a list, elements in single quotes). Null removes the key.
    /// </summary>
    public void Set(string key, object? value)
    {
        switch (value)
        {
            case null:
                Document.Remove(key);
                break;
            case string s:
                Document.SetString(key, s);
                break;
            case bool b:
                Document.SetNumber(key, b ? 1 : 0);
                break;
            case XlConfigValue node:
                Document.SetValue(key, node);
                break;
            case IEnumerable sequence:
                Document.SetValue(key, XlConfigList.Create(sequence.Cast<object?>().Select(ToListValue)));
                break;
            default:
                if (TryInteger(value, out var number))
                {
                    Document.SetNumber(key, number);
                    break;
                }
                if (value is XenDiskSpec or XenVifSpec)
                {
                    Document.SetString(key, value.ToString()!);
                    break;
                }
                throw new ArgumentException($"Cannot write a {value.GetType().Name} to an xl config (use a string, an integer, a bool or a list).", nameof(value));
        }
    }

    /// <summary>Removes every statement of the key; false when there was none.</summary>
    public bool Remove(string key) => Document.Remove(key);

    private static XlConfigValue ToListValue(object? value)
    {
        switch (value)
        {
            case null:
                throw new ArgumentException("A list element cannot be null.", nameof(value));
            case XlConfigValue node:
                return node;
            case string s:
                return XlConfigAtom.FromString(s, '\'');
            case bool b:
                return XlConfigAtom.FromNumber(b ? 1 : 0);
            case XenDiskSpec or XenVifSpec:
                return XlConfigAtom.FromString(value.ToString()!, '\'');
            case IEnumerable sequence:
                return XlConfigList.Create(sequence.Cast<object?>().Select(ToListValue));
            default:
                if (TryInteger(value, out var number)) return XlConfigAtom.FromNumber(number);
                throw new ArgumentException($"Cannot write a {value.GetType().Name} to an xl config list.", nameof(value));
        }
    }

    private static bool TryInteger(object value, out long number)
    {
        switch (value)
        {
            case int i: number = i; return true;
            case long l: number = l; return true;
            case short s: number = s; return true;
            case byte b: number = b; return true;
            case uint u: number = u; return true;
            case ushort us: number = us; return true;
            case sbyte sb: number = sb; return true;
            case ulong ul when ul <= long.MaxValue: number = (long)ul; return true;
            default: number = 0; return false;
        }
    }

    private void SetOrRemove(string key, string? value)
    {
        if (value is null) Document.Remove(key);
        else Document.SetString(key, value);
    }

    private void SetOrRemove(string key, long? value)
    {
        if (value is null) Document.Remove(key);
        else Document.SetNumber(key, value.Value);
    }

    private int? GetInt(string key) => GetNumber(key) is { } n && n >= int.MinValue && n <= int.MaxValue ? (int)n : null;

    /// <summary>A key that holds a string or a list of strings (serial, usbdevice): the string, or the list's first element.</summary>
    private string? GetStringOrFirst(string key) =>
        Document.GetValue(key) switch
        {
            XlConfigAtom atom => atom.Value,
            XlConfigList => GetStringList(key).FirstOrDefault(),
            _ => null,
        };

    // ---------------------------------------------------------------- typed view

    /// <summary>name: required, unique per host.</summary>
    public string? Name { get => GetString("name"); set => SetOrRemove("name", value); }

    /// <summary>
    /// The guest type as xl decides it: <c>type</c> (matched like xl: "hvm", "pv", "pvh" or any prefix of them), else the
    /// deprecated <c>builder</c> ("hvm" → HVM, "generic" → PV, as in the FreeBSD Handbook), else PV (xl's default on
    /// x86). Unknown for a value xl would refuse. Setting it writes <c>type</c>; a <c>builder</c> line becomes the
    /// <c>type</c> line in place.
    /// </summary>
    public XenDomainType Type
    {
        get
        {
            if (GetString("type") is { } type) return MatchType(type);
            if (GetString("builder") is { } builder) return MatchBuilder(builder);
            return XenDomainType.PV;
        }
        set
        {
            var text = value switch
            {
                XenDomainType.HVM => "hvm",
                XenDomainType.PVH => "pvh",
                XenDomainType.PV => "pv",
                _ => throw new ArgumentException("Choose HVM, PVH or PV.", nameof(value)),
            };
            var builders = Document.Find("builder").ToList();
            if (!Document.Contains("type") && builders.Count > 0)
            {
                var last = builders[builders.Count - 1];
                Document.RenameKey(last, "type");
                Document.SetString("type", text);
            }
            else
            {
                Document.SetString("type", text);
            }
            Document.Remove("builder");
        }
    }

    /// <summary>xl's strncmp(value, "hvm", strlen(value)): any prefix matches, the empty string included.</summary>
    private static XenDomainType MatchType(string value)
    {
        if ("hvm".StartsWith(value, StringComparison.Ordinal)) return XenDomainType.HVM;
        if ("pv".StartsWith(value, StringComparison.Ordinal)) return XenDomainType.PV;
        if ("pvh".StartsWith(value, StringComparison.Ordinal)) return XenDomainType.PVH;
        return XenDomainType.Unknown;
    }

    private static XenDomainType MatchBuilder(string value)
    {
        if ("hvm".StartsWith(value, StringComparison.Ordinal)) return XenDomainType.HVM;
        if ("generic".StartsWith(value, StringComparison.Ordinal)) return XenDomainType.PV;
        return XenDomainType.Unknown;
    }

    /// <summary>memory, in MiB.</summary>
    public long? MemoryMB { get => GetNumber("memory"); set => SetOrRemove("memory", value); }

    /// <summary>maxmem, in MiB (≥ memory; above it the guest starts ballooned down).</summary>
    public long? MaxMemoryMB { get => GetNumber("maxmem"); set => SetOrRemove("maxmem", value); }

    public int? VCpus { get => GetInt("vcpus"); set => SetOrRemove("vcpus", value); }

    public int? MaxVCpus { get => GetInt("maxvcpus"); set => SetOrRemove("maxvcpus", value); }

    /// <summary>uuid (xl wants the 36-character form with hyphens); null when absent or not in that form.</summary>
    public Guid? Uuid
    {
        get => GetString("uuid") is { } text && Guid.TryParseExact(text, "D", out var guid) ? guid : null;
        set => SetOrRemove("uuid", value?.ToString("D", CultureInfo.InvariantCulture));
    }

    public string? Kernel { get => GetString("kernel"); set => SetOrRemove("kernel", value); }

    public string? Ramdisk { get => GetString("ramdisk"); set => SetOrRemove("ramdisk", value); }

    /// <summary>extra: appended to the kernel command line (PV/PVH direct boot).</summary>
    public string? Extra { get => GetString("extra"); set => SetOrRemove("extra", value); }

    /// <summary>cmdline: the kernel command line (when set, xl ignores root and extra).</summary>
    public string? Cmdline { get => GetString("cmdline"); set => SetOrRemove("cmdline", value); }

    /// <summary>vnc (xl's default for HVM is on); null when not set.</summary>
    public bool? Vnc
    {
        get => GetNumber("vnc") is { } n ? n != 0 : null;
        set => SetOrRemove("vnc", value is null ? null : value.Value ? 1 : 0);
    }

    public string? VncListen { get => GetString("vnclisten"); set => SetOrRemove("vnclisten", value); }

    /// <summary>vncdisplay: the port is 5900 + display.</summary>
    public int? VncDisplay { get => GetInt("vncdisplay"); set => SetOrRemove("vncdisplay", value); }

    /// <summary>True when the guest's VNC console asks for a password: vncpasswd (HVM) or a vfb with vncpasswd= (PV)
    /// is set and not empty. The password itself is never a property (set it with <see cref="SetVncPassword"/>).</summary>
    public bool HasVncPassword =>
        !string.IsNullOrEmpty(GetString("vncpasswd")) ||
        GetStringList("vfb").Any(spec => SpecOptions(spec).Any(o => o.Key == "vncpasswd" && o.Value.Length > 0));

    /// <summary>True when spicepasswd is set and not empty (SPICE clients must give it).</summary>
    public bool HasSpicePassword => !string.IsNullOrEmpty(GetString("spicepasswd"));

    /// <summary>Sets vncpasswd (null or empty removes it: no VNC authentication). The file must then be mode 0600,
    /// which <see cref="XenConfigStore.SaveAsync"/> sees to.</summary>
    public void SetVncPassword(string? password) => SetOrRemove("vncpasswd", string.IsNullOrEmpty(password) ? null : password);

    /// <summary>Sets spicepasswd (null or empty removes it).</summary>
    public void SetSpicePassword(string? password) => SetOrRemove("spicepasswd", string.IsNullOrEmpty(password) ? null : password);

    /// <summary>Every password value of the file (vncpasswd, spicepasswd, a vfb's vncpasswd=, wherever
    /// <see cref="SecretRedactor"/> sees one), as xl reads them: what must be masked and makes the file 0600.</summary>
    internal IReadOnlyList<string> SecretValues
    {
        get
        {
            var values = new List<string>();
            foreach (var setting in Document.Settings)
            {
                foreach (var atom in Atoms(setting.Value))
                {
                    if (SecretRedactor.IsSecretConfigKey(setting.Key)) values.Add(atom.Value);
                    else values.AddRange(SecretRedactor.FindSecrets(atom.Value));
                }
            }
            return values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>True when the file holds a password and must not be readable by others.</summary>
    internal bool HoldsSecrets => SecretValues.Count > 0;

    private static IEnumerable<XlConfigAtom> Atoms(XlConfigValue value)
    {
        if (value is XlConfigAtom atom)
        {
            yield return atom;
        }
        else if (value is XlConfigList list)
        {
            foreach (var item in list.Items)
                foreach (var inner in Atoms(item)) yield return inner;
        }
    }

    /// <summary>The key=value options of a spec string (vfb, vif...) as xl splits them: at commas, blanks before a key skipped.</summary>
    private static IEnumerable<KeyValuePair<string, string>> SpecOptions(string spec)
    {
        foreach (var part in spec.Split(','))
        {
            var option = part.TrimStart(' ', '\t');
            var eq = option.IndexOf('=');
            if (eq > 0) yield return new KeyValuePair<string, string>(option.Substring(0, eq), option.Substring(eq + 1));
        }
    }

    /// <summary>serial, e.g. "pty" (for a list, its first element; setting writes a single string).</summary>
    public string? Serial { get => GetStringOrFirst("serial"); set => SetOrRemove("serial", value); }

    /// <summary>usbdevice, e.g. "tablet" (for a list, its first element; setting writes a single string).</summary>
    public string? UsbDevice { get => GetStringOrFirst("usbdevice"); set => SetOrRemove("usbdevice", value); }

    /// <summary>boot order of an HVM guest: c (disk), d (CD-ROM), n (network), e.g. "dc".</summary>
    public string? Boot { get => GetString("boot"); set => SetOrRemove("boot", value); }

    public string? OnPoweroff { get => GetString("on_poweroff"); set => SetOrRemove("on_poweroff", value); }

    public string? OnReboot { get => GetString("on_reboot"); set => SetOrRemove("on_reboot", value); }

    public string? OnCrash { get => GetString("on_crash"); set => SetOrRemove("on_crash", value); }

    // ---------------------------------------------------------------- disks

    /// <summary>The disk specs as xl reads them (a spec xl would refuse has <see cref="XenDiskSpec.ParseError"/> set).</summary>
    public IReadOnlyList<XenDiskSpec> Disks
    {
        get
        {
            var disks = new List<XenDiskSpec>();
            foreach (var item in Document.GetListItems("disk"))
            {
                if (item is not XlConfigAtom atom) break;
                var disk = XenDiskSpec.ParseLenient(atom.Value);
                disk.Index = disks.Count;
                disk.Line = atom.Line;
                disks.Add(disk);
            }
            return disks;
        }
    }

    /// <summary>Appends a disk to the list (created as <c>disk = [ '...' ]</c> when absent) in the list's own layout.</summary>
    public void AddDisk(XenDiskSpec disk)
    {
        if (disk is null) throw new ArgumentNullException(nameof(disk));
        Document.AddListItem("disk", XlConfigAtom.FromString(disk.ToString(), Document.ListQuote("disk")));
    }

    /// <summary>Appends a disk given as spec text (checked with xl's disk parser first).</summary>
    public void AddDisk(string spec) => AddDisk(XenDiskSpec.Parse(spec));

    /// <summary>Replaces the disk at <paramref name="index"/> in place (keeping its quote style).</summary>
    public void SetDisk(int index, XenDiskSpec disk)
    {
        if (disk is null) throw new ArgumentNullException(nameof(disk));
        var quote = (Document.GetListItems("disk").ElementAtOrDefault(index) as XlConfigAtom)?.Quote ?? '\'';
        Document.ReplaceListItem("disk", index, XlConfigAtom.FromString(disk.ToString(), quote));
    }

    public void RemoveDiskAt(int index) => Document.RemoveListItem("disk", index);

    /// <summary>Removes the disk(s) with this vdev; false when there is none.</summary>
    public bool RemoveDisk(string vdev)
    {
        var indexes = Disks.Where(d => d.Vdev == vdev).Select(d => d.Index).OrderByDescending(i => i).ToList();
        foreach (var index in indexes) RemoveDiskAt(index);
        return indexes.Count > 0;
    }

    // ---------------------------------------------------------------- vifs

    /// <summary>The network interfaces as xl reads them.</summary>
    public IReadOnlyList<XenVifSpec> Vifs
    {
        get
        {
            var vifs = new List<XenVifSpec>();
            foreach (var item in Document.GetListItems("vif"))
            {
                if (item is not XlConfigAtom atom) break;
                var vif = XenVifSpec.Parse(atom.Value);
                vif.Index = vifs.Count;
                vif.Line = atom.Line;
                vifs.Add(vif);
            }
            return vifs;
        }
    }

    public void AddVif(XenVifSpec vif)
    {
        if (vif is null) throw new ArgumentNullException(nameof(vif));
        Document.AddListItem("vif", XlConfigAtom.FromString(vif.ToString(), Document.ListQuote("vif")));
    }

    public void AddVif(string spec) => AddVif(XenVifSpec.Parse(spec));

    public void SetVif(int index, XenVifSpec vif)
    {
        if (vif is null) throw new ArgumentNullException(nameof(vif));
        var quote = (Document.GetListItems("vif").ElementAtOrDefault(index) as XlConfigAtom)?.Quote ?? '\'';
        Document.ReplaceListItem("vif", index, XlConfigAtom.FromString(vif.ToString(), quote));
    }

    public void RemoveVifAt(int index) => Document.RemoveListItem("vif", index);

    // ---------------------------------------------------------------- validation

    /// <summary>
    /// What xl would refuse (Error) or what is likely wrong (Warning): missing name, memory/vcpus not positive, maxmem
    /// below memory, an unknown type, disks without vdev or target, duplicate vdevs, bad disk/vif specs, "+=" on numbers,
    /// CRLF line breaks…
    /// </summary>
    public IReadOnlyList<XenConfigProblem> Validate()
    {
        var problems = new List<XenConfigProblem>(Document.GetCompatibilityIssues());
        void Error(string message, string? key, int line = 0) => problems.Add(new XenConfigProblem(XenConfigProblemSeverity.Error, message, key, line == 0 ? LineOf(key) : line));
        void Warn(string message, string? key, int line = 0) => problems.Add(new XenConfigProblem(XenConfigProblemSeverity.Warning, message, key, line == 0 ? LineOf(key) : line));

        // name
        if (!Document.Contains("name")) Error("name is missing: xl refuses the config (\"Domain name must be specified.\")", "name");
        else if (Name is null) Error("name must be a single string, not a list", "name");
        else if (Name.Length == 0) Error("name is empty", "name");
        else if (XenDomainName.Problem(Name) is { } nameProblem)
            Error($"name {XenDomainName.Quote(Name)} {nameProblem}: XenPS starts no domain of that name ({XenDomainName.Rule})", "name");

        // type / builder
        var typeText = GetString("type");
        var builderText = GetString("builder");
        if (Document.Contains("type") && typeText is null) Warn("type is a list; xl ignores it", "type");
        if (typeText is not null && MatchType(typeText) == XenDomainType.Unknown)
            Error($"unknown type \"{typeText}\": xl refuses it (\"Invalid domain type\"); use \"hvm\", \"pvh\" or \"pv\"", "type");
        if (builderText is not null)
        {
            if (MatchBuilder(builderText) == XenDomainType.Unknown)
                Error($"unknown builder \"{builderText}\": xl refuses it (\"Invalid domain type\"); use type = \"hvm\", \"pvh\" or \"pv\"", "builder");
            else
                Warn("builder is deprecated since Xen 4.10: use type = \"hvm\" (or \"pv\", \"pvh\")", "builder");
            if (typeText is not null && MatchType(typeText) != XenDomainType.Unknown && MatchBuilder(builderText) != XenDomainType.Unknown
                && MatchType(typeText) != MatchBuilder(builderText))
                Error("builder and type contradict each other: xl refuses the config", "builder");
        }

        // numbers
        foreach (var key in new[] { "memory", "maxmem", "vcpus", "maxvcpus", "vnc", "vncdisplay", "vncunused" })
        {
            if (!Document.Contains(key)) continue;
            if (Document.IsAppended(key)) Error($"{key} uses '+=': xl refuses '+=' for numbers", key);
            else if (Document.GetValue(key) is XlConfigList) Error($"{key} must be a single value, not a list", key);
            else if (GetNumber(key) is null) Error($"{key} = \"{GetString(key)}\" is not a number xl can read (decimal, 0x hex or 0 octal)", key);
        }
        var memory = MemoryMB;
        var maxmem = MaxMemoryMB;
        if (!Document.Contains("memory")) Warn("memory is not set: the guest gets libxl's default", "memory");
        if (memory is <= 0) Error($"memory must be positive (it is {memory})", "memory");
        if (maxmem is <= 0) Error($"maxmem must be positive (it is {maxmem})", "maxmem");
        if (memory is > 0 && maxmem is > 0)
        {
            if (maxmem < memory) Error($"maxmem ({maxmem} MB) is less than memory ({memory} MB)", "maxmem");
            else if (maxmem > memory && Type == XenDomainType.HVM)
                Warn($"maxmem ({maxmem} MB) above memory ({memory} MB) starts the HVM guest ballooned down: without a balloon driver in the guest it crashes", "maxmem");
        }
        var vcpus = VCpus;
        var maxvcpus = MaxVCpus;
        if (vcpus is <= 0) Error($"vcpus must be positive (it is {vcpus})", "vcpus");
        if (maxvcpus is <= 0) Error($"maxvcpus must be positive (it is {maxvcpus})", "maxvcpus");
        if (vcpus is > 0 && maxvcpus is > 0 && maxvcpus < vcpus) Error($"maxvcpus ({maxvcpus}) is less than vcpus ({vcpus})", "maxvcpus");

        if (GetString("uuid") is { } uuid && !Guid.TryParseExact(uuid, "D", out _)) Error($"uuid \"{uuid}\" is not a valid UUID (\"Failed to parse UUID\")", "uuid");

        foreach (var key in new[] { "on_poweroff", "on_reboot", "on_crash", "on_watchdog", "on_soft_reset" })
        {
            if (GetString(key) is { } action && !ShutdownActions.Contains(action))
                Error($"{key} = \"{action}\" is not one of {string.Join(", ", ShutdownActions)}", key);
        }

        ValidateDevices(Error, Warn);
        return problems;
    }

    private void ValidateDevices(Action<string, string?, int> error, Action<string, string?, int> warn)
    {
        foreach (var key in new[] { "disk", "vif" })
        {
            if (!Document.Contains(key)) continue;
            var value = Document.GetValue(key);
            if (value is not XlConfigList)
            {
                error($"{key} is a single value but should be a list: xl ignores it (write {key} = [ '...' ])", key, 0);
                continue;
            }
            var items = Document.GetListItems(key);
            var firstList = items.Select((item, i) => (item, i)).FirstOrDefault(x => x.item is XlConfigList);
            if (firstList.item is not null)
                error($"element {firstList.i} of {key} is a list, not a string: xl stops reading {key} there", key, firstList.item.Line);
        }

        var vdevs = new Dictionary<string, XenDiskSpec>(StringComparer.Ordinal);
        foreach (var disk in Disks)
        {
            var name = $"disk {disk.Index} ('{disk.OriginalText}')";
            if (disk.ParseError is not null)
            {
                error($"{name}: {disk.ParseError}", "disk", disk.Line);
                continue;
            }
            if (string.IsNullOrEmpty(disk.Vdev))
            {
                error($"{name} has no vdev: xl refuses it (\"no vdev specified\")", "disk", disk.Line);
            }
            else if (vdevs.TryGetValue(disk.Vdev!, out var other))
            {
                error($"{name} uses vdev {disk.Vdev}, like disk {other.Index}", "disk", disk.Line);
            }
            else
            {
                vdevs[disk.Vdev!] = disk;
            }
            if (disk.Target is null && !disk.IsCdrom)
                error($"{name} has no target: xl refuses it (\"no target specified (and device not removable)\")", "disk", disk.Line);
        }

        foreach (var vif in Vifs)
        {
            foreach (var problem in vif.GetProblems()) error($"vif {vif.Index} ('{vif.OriginalText}'): {problem}", "vif", vif.Line);
            if (vif.Bridge is null)
                warn($"vif {vif.Index} ('{vif.OriginalText}') names no bridge: xl then uses xenbr0, which FreeBSD does not have, unless xl.conf sets vif.default.bridge (use bridge=bridge0)", "vif", vif.Line);
        }
    }

    private int LineOf(string? key) =>
        key is null ? 0 : Document.Find(key).LastOrDefault()?.Line ?? 0;
}
