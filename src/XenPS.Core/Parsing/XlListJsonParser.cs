using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace XenPS.Core.Parsing;

/// <summary>One entry of `xl list -l`: the domid and the domain's libxl configuration.</summary>
public sealed class XlDomainConfig
{
    public int DomId { get; set; }
    public string? Name { get; set; }
    public Guid? Uuid { get; set; }
    public XenDomainType Type { get; set; }
    public long? MaxMemoryKB { get; set; }
    public long? TargetMemoryKB { get; set; }
    public int? MaxVCpus { get; set; }
    public int? AvailableVCpus { get; set; }
    public string? Kernel { get; set; }
    public string? Ramdisk { get; set; }
    public string? Cmdline { get; set; }
    public List<XenDisk> Disks { get; } = new();
    public List<XenNic> Nics { get; } = new();
    public XenVnc? Vnc { get; set; }
    public bool? Sdl { get; set; }
    public XenSpice? Spice { get; set; }
    public string? Serial { get; set; }
    public string? Boot { get; set; }
    public string OnPoweroff { get; set; } = "destroy";
    public string OnReboot { get; set; } = "restart";
    public string OnCrash { get; set; } = "destroy";
    private string? _json;
    private string? _whole;
    private int _start;
    private int _length;

    /// <summary>This domain's configuration as xl printed it, with the VNC and SPICE passwords masked
    /// (<see cref="Execution.SecretRedactor.RedactJson"/>: still valid JSON). For xl's usual ASCII output it is cut from
    /// the whole output only when first read, so parsing thousands of domains copies no JSON text.</summary>
    public string? Json
    {
        get => _json ??= Execution.SecretRedactor.RedactJson(_whole?.Substring(_start, _length));
        set
        {
            _json = Execution.SecretRedactor.RedactJson(value);
            _whole = null;
        }
    }

    internal void SetJsonSlice(string whole, int start, int end)
    {
        _json = null;
        _whole = whole;
        _start = start;
        _length = end - start;
    }
}

/// <summary>
/// Parses `xl list -l` JSON (libxl_domain_config per domain). Rules from libxl's generated JSON code: a field equal
/// to its IDL default is omitted (missing = default); booleans are the strings "True", "False" or "&lt;default&gt;";
/// enums are lowercase with underscores; the guest-type part of b_info is under "type.hvm", "type.pv" or "type.pvh".
/// The text is never compared (yajl up to Xen 4.20, json-c from 4.21 print different whitespace). Unknown keys are
/// ignored and a domain whose configuration xl could not retrieve is simply absent.
/// </summary>
/// <remarks>
/// One forward pass of <see cref="Utf8JsonReader"/> over the UTF-8 text (a host with thousands of domains prints
/// megabytes): no document tree, and each domain's JSON text is cut from the input rather than re-encoded. As with a
/// JSON DOM, when a key appears twice the last one counts, and the whole text must be valid JSON.
/// </remarks>
public static class XlListJsonParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static List<XlDomainConfig> Parse(string json, bool keepJson = true)
    {
        var first = 0;
        while (first < json.Length && char.IsWhiteSpace(json[first])) first++;
        if (first == json.Length) return new List<XlDomainConfig>();
        if (json[first] != '[' && json[first] != '{')
            throw new FormatException("xl list -l did not print JSON. Is output_format set to \"sxp\" in xl.conf? XenPS needs the default, json.");

        var length = Encoding.UTF8.GetByteCount(json);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(json, 0, json.Length, buffer, 0);
            // Pure ASCII (xl's usual output): byte offsets are char offsets, so a domain's JSON is a substring.
            var source = new Source(buffer, length == json.Length ? json : null, keepJson);
            return ParseDocument(source, new ReadOnlySpan<byte>(buffer, 0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed class Source
    {
        public Source(byte[] utf8, string? ascii, bool keepJson) { Utf8 = utf8; Ascii = ascii; KeepJson = keepJson; }
        public byte[] Utf8 { get; }
        public string? Ascii { get; }
        public bool KeepJson { get; }

        public string Text(int start, int end) => Ascii is not null ? Ascii.Substring(start, end - start) : Encoding.UTF8.GetString(Utf8, start, end - start);

        /// <summary>Gives the domain its JSON: a lazy slice of the ASCII output, else (non-ASCII) a copy now, since the
        /// UTF-8 buffer goes back to the pool.</summary>
        public void Attach(XlDomainConfig d, int start, int end)
        {
            if (Ascii is not null) d.SetJsonSlice(Ascii, start, end);
            else d.Json = Text(start, end);
        }
    }

    private static List<XlDomainConfig> ParseDocument(Source source, ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var scratch = new Scratch();
        var result = new List<XlDomainConfig>();
        if (!reader.Read()) return result;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.StartObject) result.Add(ReadEntry(ref reader, source, scratch));
                else reader.Skip();
            }
        }
        else if (reader.TokenType == JsonTokenType.StartObject)
        {
            result.Add(ReadEntry(ref reader, source, scratch));
        }
        // Like JsonDocument.Parse: anything but whitespace and comments after the value is an error (the reader throws).
        while (reader.Read()) reader.Skip();
        return result;
    }

    // What is read from one libxl_domain_config object. One pair of these (the "config" object and a bare config) serves
    // every entry of a Parse call: reset per entry, and per section when a key appears again (the last one counts).
    private sealed class ConfigParts
    {
        public readonly CInfoParts CInfo = new();
        public readonly BInfoParts BInfo = new();
        public readonly List<XenDisk> Disks = new();
        public readonly List<XenNic> Nics = new();
        public bool HasCInfo;
        public bool HasBInfo;
        public XenVnc? VfbVnc;
        public bool? VfbSdl;
        public string? OnPoweroff;
        public string? OnReboot;
        public string? OnCrash;

        public void Reset()
        {
            HasCInfo = HasBInfo = false;
            Disks.Clear();
            Nics.Clear();
            OnPoweroff = OnReboot = OnCrash = null;
            VfbVnc = null;
            VfbSdl = null;
        }
    }

    private sealed class CInfoParts
    {
        public string? Name;
        public string? Uuid;
        public string? Type;

        public void Reset() => Name = Uuid = Type = null;
    }

    private sealed class BInfoParts
    {
        public readonly PvParts Pv = new();
        public readonly HvmParts Hvm = new();
        public int? MaxVCpus;
        public int? AvailableVCpus;
        public long? MaxMemoryKB;
        public long? TargetMemoryKB;
        public string? Kernel;
        public string? Ramdisk;
        public string? Cmdline;
        public bool HasPv;
        public bool Pvh;
        public bool HasHvm;

        public void Reset()
        {
            MaxVCpus = AvailableVCpus = null;
            MaxMemoryKB = TargetMemoryKB = null;
            Kernel = Ramdisk = Cmdline = null;
            HasPv = Pvh = HasHvm = false;
        }
    }

    private sealed class PvParts
    {
        public string? Kernel;
        public string? Ramdisk;
        public string? Cmdline;

        public void Reset() => Kernel = Ramdisk = Cmdline = null;
    }

    private sealed class HvmParts
    {
        public string? Serial;
        public string? SerialList;
        public string? Boot;
        public XenVnc? Vnc;
        public bool? Sdl;
        public XenSpice? Spice;

        public void Reset()
        {
            Serial = SerialList = Boot = null;
            Vnc = null;
            Sdl = null;
            Spice = null;
        }
    }

    private sealed class Scratch
    {
        public readonly ConfigParts Config = new();
        public readonly ConfigParts Bare = new();
    }

    /// <summary>An array element: {"domid": N, "config": {...}}, or a bare libxl_domain_config (`xl -N create`).</summary>
    private static XlDomainConfig ReadEntry(ref Utf8JsonReader reader, Source source, Scratch scratch)
    {
        var entryStart = (int)reader.TokenStartIndex;
        var domId = 0;
        var bare = scratch.Bare;
        var config = scratch.Config;
        bare.Reset();
        config.Reset();
        var hasConfig = false;
        int configStart = 0, configEnd = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("domid"u8))
            {
                reader.Read();
                domId = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var id) ? id : 0;
                reader.Skip(); // an object or array in its place
            }
            else if (reader.ValueTextEquals("config"u8))
            {
                reader.Read();
                config.Reset();
                hasConfig = reader.TokenType == JsonTokenType.StartObject;
                if (hasConfig)
                {
                    configStart = (int)reader.TokenStartIndex;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName) ReadConfigProperty(ref reader, config);
                    configEnd = (int)reader.BytesConsumed;
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                ReadConfigProperty(ref reader, bare);
            }
        }
        var entryEnd = (int)reader.BytesConsumed;

        var d = new XlDomainConfig { DomId = domId };
        if (source.KeepJson)
        {
            if (hasConfig) source.Attach(d, configStart, configEnd);
            else source.Attach(d, entryStart, entryEnd);
        }
        Fill(d, hasConfig ? config : bare);
        return d;
    }

    /// <summary>Reads one key of a libxl_domain_config (the reader is on its name) and its value; unknown keys are skipped.</summary>
    private static void ReadConfigProperty(ref Utf8JsonReader reader, ConfigParts parts)
    {
        if (reader.ValueTextEquals("c_info"u8))
        {
            reader.Read();
            var c = parts.CInfo;
            c.Reset();
            parts.HasCInfo = reader.TokenType == JsonTokenType.StartObject;
            if (!parts.HasCInfo) { reader.Skip(); return; }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8)) { reader.Read(); c.Name = ReadString(ref reader); }
                else if (reader.ValueTextEquals("uuid"u8)) { reader.Read(); c.Uuid = ReadString(ref reader); }
                else if (reader.ValueTextEquals("type"u8)) { reader.Read(); c.Type = ReadString(ref reader); }
                else { reader.Read(); reader.Skip(); }
            }
        }
        else if (reader.ValueTextEquals("b_info"u8))
        {
            reader.Read();
            parts.BInfo.Reset();
            parts.HasBInfo = reader.TokenType == JsonTokenType.StartObject;
            if (!parts.HasBInfo) { reader.Skip(); return; }
            ReadBInfo(ref reader, parts.BInfo);
        }
        else if (reader.ValueTextEquals("disks"u8))
        {
            reader.Read();
            parts.Disks.Clear();
            ReadObjects(ref reader, parts.Disks, ReadDisk);
        }
        else if (reader.ValueTextEquals("nics"u8))
        {
            reader.Read();
            parts.Nics.Clear();
            ReadObjects(ref reader, parts.Nics, ReadNic);
        }
        else if (reader.ValueTextEquals("vfbs"u8))
        {
            // libxl_device_vfb: PV and PVH guests' framebuffers, each with its own vnc and sdl. The first one that has
            // VNC on (or the first one) is the guest's console.
            reader.Read();
            parts.VfbVnc = null;
            parts.VfbSdl = null;
            if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return; }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                XenVnc? vnc = null;
                bool? sdl = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("vnc"u8)) { reader.Read(); if (reader.TokenType == JsonTokenType.StartObject) vnc = ReadVnc(ref reader); else reader.Skip(); }
                    else if (reader.ValueTextEquals("sdl"u8)) { reader.Read(); sdl = ReadEnable(ref reader); }
                    else { reader.Read(); reader.Skip(); }
                }
                if (parts.VfbVnc is null || (parts.VfbVnc.Enabled != true && vnc?.Enabled == true)) parts.VfbVnc = vnc ?? parts.VfbVnc;
                parts.VfbSdl ??= sdl;
            }
        }
        else if (reader.ValueTextEquals("on_poweroff"u8)) { reader.Read(); parts.OnPoweroff = ReadString(ref reader); }
        else if (reader.ValueTextEquals("on_reboot"u8)) { reader.Read(); parts.OnReboot = ReadString(ref reader); }
        else if (reader.ValueTextEquals("on_crash"u8)) { reader.Read(); parts.OnCrash = ReadString(ref reader); }
        else { reader.Read(); reader.Skip(); }
    }

    private static void ReadBInfo(ref Utf8JsonReader reader, BInfoParts b)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("max_vcpus"u8)) { reader.Read(); b.MaxVCpus = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("avail_vcpus"u8))
            {
                reader.Read();
                b.AvailableVCpus = null;
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                var count = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) { count++; reader.Skip(); }
                b.AvailableVCpus = count;
            }
            else if (reader.ValueTextEquals("max_memkb"u8)) { reader.Read(); b.MaxMemoryKB = ReadLong(ref reader); }
            else if (reader.ValueTextEquals("target_memkb"u8)) { reader.Read(); b.TargetMemoryKB = ReadLong(ref reader); }
            else if (reader.ValueTextEquals("kernel"u8)) { reader.Read(); b.Kernel = ReadString(ref reader); }
            else if (reader.ValueTextEquals("ramdisk"u8)) { reader.Read(); b.Ramdisk = ReadString(ref reader); }
            else if (reader.ValueTextEquals("cmdline"u8)) { reader.Read(); b.Cmdline = ReadString(ref reader); }
            else if (reader.ValueTextEquals("type.pv"u8))
            {
                reader.Read();
                var pv = b.Pv;
                pv.Reset();
                b.HasPv = reader.TokenType == JsonTokenType.StartObject;
                if (!b.HasPv) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("kernel"u8)) { reader.Read(); pv.Kernel = ReadString(ref reader); }
                    else if (reader.ValueTextEquals("ramdisk"u8)) { reader.Read(); pv.Ramdisk = ReadString(ref reader); }
                    else if (reader.ValueTextEquals("cmdline"u8)) { reader.Read(); pv.Cmdline = ReadString(ref reader); }
                    else { reader.Read(); reader.Skip(); }
                }
            }
            else if (reader.ValueTextEquals("type.pvh"u8))
            {
                reader.Read();
                b.Pvh = reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("type.hvm"u8))
            {
                reader.Read();
                b.Hvm.Reset();
                b.HasHvm = reader.TokenType == JsonTokenType.StartObject;
                if (!b.HasHvm) { reader.Skip(); continue; }
                ReadHvm(ref reader, b.Hvm);
            }
            else { reader.Read(); reader.Skip(); }
        }
    }

    private static void ReadHvm(ref Utf8JsonReader reader, HvmParts hvm)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("serial"u8)) { reader.Read(); hvm.Serial = ReadString(ref reader); }
            else if (reader.ValueTextEquals("serial_list"u8))
            {
                reader.Read();
                hvm.SerialList = null;
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (hvm.SerialList is null && reader.TokenType == JsonTokenType.String) hvm.SerialList = reader.GetString();
                    else reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("boot"u8)) { reader.Read(); hvm.Boot = ReadString(ref reader); }
            else if (reader.ValueTextEquals("vnc"u8))
            {
                reader.Read();
                hvm.Vnc = null;
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                hvm.Vnc = ReadVnc(ref reader);
            }
            else if (reader.ValueTextEquals("sdl"u8)) { reader.Read(); hvm.Sdl = ReadEnable(ref reader); }
            else if (reader.ValueTextEquals("spice"u8))
            {
                reader.Read();
                hvm.Spice = null;
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                hvm.Spice = ReadSpice(ref reader);
            }
            else { reader.Read(); reader.Skip(); }
        }
    }

    private static XenVnc ReadVnc(ref Utf8JsonReader reader)
    {
        var vnc = new XenVnc();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("enable"u8)) { reader.Read(); vnc.Enabled = ReadBool(ref reader); }
            else if (reader.ValueTextEquals("listen"u8)) { reader.Read(); vnc.Listen = ReadString(ref reader); }
            else if (reader.ValueTextEquals("display"u8)) { reader.Read(); vnc.Display = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("findunused"u8)) { reader.Read(); vnc.FindUnused = ReadBool(ref reader); }
            else if (reader.ValueTextEquals("passwd"u8)) { reader.Read(); vnc.HasPassword = !string.IsNullOrEmpty(ReadString(ref reader)); }
            else { reader.Read(); reader.Skip(); }
        }
        return vnc;
    }

    /// <summary>The "enable" of an object such as sdl ({"enable": "True", ...}); null when it is not there.</summary>
    private static bool? ReadEnable(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
        bool? enable = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("enable"u8)) { reader.Read(); enable = ReadBool(ref reader); }
            else { reader.Read(); reader.Skip(); }
        }
        return enable;
    }

    private static XenSpice ReadSpice(ref Utf8JsonReader reader)
    {
        var spice = new XenSpice();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("enable"u8)) { reader.Read(); spice.Enabled = ReadBool(ref reader); }
            else if (reader.ValueTextEquals("host"u8)) { reader.Read(); spice.Host = ReadString(ref reader); }
            else if (reader.ValueTextEquals("port"u8)) { reader.Read(); spice.Port = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("tls_port"u8)) { reader.Read(); spice.TlsPort = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("passwd"u8)) { reader.Read(); spice.HasPassword = !string.IsNullOrEmpty(ReadString(ref reader)); }
            else { reader.Read(); reader.Skip(); }
        }
        return spice;
    }

    private delegate T ObjectReader<T>(ref Utf8JsonReader reader);

    /// <summary>Adds the objects of an array (disks, nics) to list; anything else in it, or a value that is no array, is skipped.</summary>
    private static void ReadObjects<T>(ref Utf8JsonReader reader, List<T> list, ObjectReader<T> read)
    {
        if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return; }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject) list.Add(read(ref reader));
            else reader.Skip();
        }
    }

    private static XenDisk ReadDisk(ref Utf8JsonReader reader)
    {
        string? target = null, vdev = null, format = null, backend = null;
        int? readWrite = null, isCdrom = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("pdev_path"u8)) { reader.Read(); target = ReadString(ref reader); }
            else if (reader.ValueTextEquals("vdev"u8)) { reader.Read(); vdev = ReadString(ref reader); }
            else if (reader.ValueTextEquals("format"u8)) { reader.Read(); format = ReadString(ref reader); }
            else if (reader.ValueTextEquals("backend"u8)) { reader.Read(); backend = ReadString(ref reader); }
            else if (reader.ValueTextEquals("readwrite"u8)) { reader.Read(); readWrite = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("is_cdrom"u8)) { reader.Read(); isCdrom = ReadInt(ref reader); }
            else { reader.Read(); reader.Skip(); }
        }
        return new XenDisk
        {
            Target = target,
            Vdev = vdev,
            Format = format,
            BackendType = backend is null || backend == "unknown" ? null : backend,
            // readwrite is an int; 0 (read-only) is the default, hence omitted for read-only disks.
            ReadWrite = (readWrite ?? 0) != 0,
            IsCdrom = (isCdrom ?? 0) != 0,
        };
    }

    private static XenNic ReadNic(ref Utf8JsonReader reader)
    {
        var nic = new XenNic();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("devid"u8)) { reader.Read(); nic.DevId = ReadInt(ref reader); }
            else if (reader.ValueTextEquals("mac"u8)) { reader.Read(); nic.Mac = ReadString(ref reader); }
            else if (reader.ValueTextEquals("bridge"u8)) { reader.Read(); nic.Bridge = ReadString(ref reader); }
            else if (reader.ValueTextEquals("model"u8)) { reader.Read(); nic.Model = ReadString(ref reader); }
            else if (reader.ValueTextEquals("nictype"u8)) { reader.Read(); nic.Type = ReadString(ref reader); }
            else if (reader.ValueTextEquals("ifname"u8)) { reader.Read(); nic.VifName = ReadString(ref reader); }
            else if (reader.ValueTextEquals("ip"u8)) { reader.Read(); nic.Ip = XenNic.SplitIp(ReadString(ref reader)); }
            else if (reader.ValueTextEquals("script"u8)) { reader.Read(); nic.Script = ReadString(ref reader); }
            else { reader.Read(); reader.Skip(); }
        }
        return nic;
    }

    private static void Fill(XlDomainConfig d, ConfigParts config)
    {
        if (config.HasCInfo)
        {
            var cInfo = config.CInfo;
            d.Name = cInfo.Name;
            if (cInfo.Uuid is { } uuid && Guid.TryParse(uuid, out var g)) d.Uuid = g;
            d.Type = ParseType(cInfo.Type);
        }

        if (config.HasBInfo)
        {
            var bInfo = config.BInfo;
            d.MaxVCpus = bInfo.MaxVCpus;
            d.AvailableVCpus = bInfo.AvailableVCpus;
            d.MaxMemoryKB = bInfo.MaxMemoryKB;
            d.TargetMemoryKB = bInfo.TargetMemoryKB;
            d.Kernel = bInfo.Kernel;
            d.Ramdisk = bInfo.Ramdisk;
            d.Cmdline = bInfo.Cmdline;

            // Xen before 4.10 kept kernel, ramdisk and cmdline under type.pv.
            if (bInfo.HasPv)
            {
                d.Kernel ??= bInfo.Pv.Kernel;
                d.Ramdisk ??= bInfo.Pv.Ramdisk;
                d.Cmdline ??= bInfo.Pv.Cmdline;
                if (d.Type == XenDomainType.Unknown) d.Type = XenDomainType.PV;
            }
            if (bInfo.Pvh && d.Type == XenDomainType.Unknown) d.Type = XenDomainType.PVH;
            if (bInfo.HasHvm)
            {
                var hvm = bInfo.Hvm;
                if (d.Type == XenDomainType.Unknown) d.Type = XenDomainType.HVM;
                d.Serial = hvm.Serial ?? hvm.SerialList;
                d.Boot = hvm.Boot;
                d.Vnc = hvm.Vnc;
                d.Sdl = hvm.Sdl;
                d.Spice = hvm.Spice;
            }
        }
        // PV and PVH guests (and an HVM guest without its own VNC) show their framebuffer's VNC and SDL.
        if (d.Vnc is null || (d.Vnc.Enabled != true && config.VfbVnc?.Enabled == true)) d.Vnc = config.VfbVnc ?? d.Vnc;
        d.Sdl ??= config.VfbSdl;

        d.Disks.AddRange(config.Disks);
        d.Nics.AddRange(config.Nics);

        d.OnPoweroff = Action(config.OnPoweroff) ?? "destroy";
        d.OnReboot = Action(config.OnReboot) ?? "restart";
        d.OnCrash = Action(config.OnCrash) ?? "destroy";
    }

    /// <summary>Applies the details of xl list -l to a domain from xl list.</summary>
    public static void Apply(XlDomainConfig config, XenDomain domain)
    {
        domain.IsDetailed = true;
        domain.Uuid = config.Uuid ?? domain.Uuid;
        domain.Type = config.Type;
        domain.MaxMemoryMB = config.MaxMemoryKB / 1024;
        domain.TargetMemoryMB = config.TargetMemoryKB / 1024;
        domain.MaxVCpus = config.MaxVCpus;
        domain.Kernel = config.Kernel;
        domain.Ramdisk = config.Ramdisk;
        domain.KernelCommandLine = config.Cmdline;
        domain.Disks = config.Disks.ToArray();
        domain.Nics = config.Nics.ToArray();
        domain.Vnc = config.Vnc;
        domain.Sdl = config.Sdl;
        domain.Spice = config.Spice;
        domain.Serial = config.Serial;
        domain.Boot = config.Boot;
        domain.OnPoweroff = config.OnPoweroff;
        domain.OnReboot = config.OnReboot;
        domain.OnCrash = config.OnCrash;
        domain.ConfigJsonSource = config;
    }

    public static XenDomainType ParseType(string? type) => type?.ToLowerInvariant() switch
    {
        "pv" => XenDomainType.PV,
        "pvh" => XenDomainType.PVH,
        "hvm" => XenDomainType.HVM,
        _ => XenDomainType.Unknown,
    };

    /// <summary>libxl enum names use underscores; xl.cfg spells them with dashes (coredump_destroy → coredump-destroy).</summary>
    private static string? Action(string? value) => value?.Replace('_', '-');

    /// <summary>A string value as text: strings, numbers (as printed) and JSON booleans ("True"/"False"); null otherwise.</summary>
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return reader.GetString();
            case JsonTokenType.Number: return Encoding.UTF8.GetString(reader.ValueSpan.ToArray());
            case JsonTokenType.True: return "True";
            case JsonTokenType.False: return "False";
            default: reader.Skip(); return null;
        }
    }

    private static long? ReadLong(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number: return reader.TryGetInt64(out var n) ? n : null;
            case JsonTokenType.String: return long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null;
            default: reader.Skip(); return null;
        }
    }

    private static int? ReadInt(ref Utf8JsonReader reader) => ReadLong(ref reader) is { } v && v >= int.MinValue && v <= int.MaxValue ? (int)v : null;

    /// <summary>libxl defbool: "True", "False" or "&lt;default&gt;" (null); real JSON booleans are accepted too.</summary>
    private static bool? ReadBool(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.Number: return reader.TryGetInt64(out var n) ? n != 0 : null;
            case JsonTokenType.String:
                return reader.GetString() switch
                {
                    "True" or "true" or "1" => true,
                    "False" or "false" or "0" => false,
                    _ => null,
                };
            default: reader.Skip(); return null;
        }
    }
}
