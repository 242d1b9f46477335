using System;
using System.Collections.Generic;
using System.Globalization;
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
    public string? Serial { get; set; }
    public string? Boot { get; set; }
    public string OnPoweroff { get; set; } = "destroy";
    public string OnReboot { get; set; } = "restart";
    public string OnCrash { get; set; } = "destroy";
    public string? Json { get; set; }
}

/// <summary>
/// Parses `xl list -l` JSON (libxl_domain_config per domain). Rules from libxl's generated JSON code: a field equal
/// to its IDL default is omitted (missing = default); booleans are the strings "True", "False" or "&lt;default&gt;";
/// enums are lowercase with underscores; the guest-type part of b_info is under "type.hvm", "type.pv" or "type.pvh".
/// The text is never compared (yajl up to Xen 4.20, json-c from 4.21 print different whitespace). Unknown keys are
/// ignored and a domain whose configuration xl could not retrieve is simply absent.
/// </summary>
public static class XlListJsonParser
{
    public static List<XlDomainConfig> Parse(string json, bool keepJson = true)
    {
        var trimmed = json.TrimStart();
        if (trimmed.Length == 0) return new List<XlDomainConfig>();
        if (trimmed[0] != '[' && trimmed[0] != '{')
            throw new FormatException("xl list -l did not print JSON. Is output_format set to \"sxp\" in xl.conf? XenPS needs the default, json.");

        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var result = new List<XlDomainConfig>();
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in doc.RootElement.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object) result.Add(ParseEntry(entry, keepJson));
            }
        }
        else if (doc.RootElement.ValueKind == JsonValueKind.Object)
        {
            result.Add(ParseEntry(doc.RootElement, keepJson));
        }
        return result;
    }

    private static XlDomainConfig ParseEntry(JsonElement entry, bool keepJson)
    {
        var d = new XlDomainConfig();
        if (entry.TryGetProperty("domid", out var domid) && domid.ValueKind == JsonValueKind.Number) d.DomId = domid.GetInt32();
        // `xl -N create` and single-domain forms print a bare libxl_domain_config without the wrapper.
        var config = entry.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : entry;
        if (keepJson) d.Json = config.GetRawText();

        if (Obj(config, "c_info") is { } cInfo)
        {
            d.Name = Str(cInfo, "name");
            if (Str(cInfo, "uuid") is { } uuid && Guid.TryParse(uuid, out var g)) d.Uuid = g;
            d.Type = ParseType(Str(cInfo, "type"));
        }

        if (Obj(config, "b_info") is { } bInfo)
        {
            d.MaxVCpus = Int(bInfo, "max_vcpus");
            if (bInfo.TryGetProperty("avail_vcpus", out var avail) && avail.ValueKind == JsonValueKind.Array) d.AvailableVCpus = avail.GetArrayLength();
            d.MaxMemoryKB = Long(bInfo, "max_memkb");
            d.TargetMemoryKB = Long(bInfo, "target_memkb");
            d.Kernel = Str(bInfo, "kernel");
            d.Ramdisk = Str(bInfo, "ramdisk");
            d.Cmdline = Str(bInfo, "cmdline");

            // Xen before 4.10 kept kernel, ramdisk and cmdline under type.pv.
            if (Obj(bInfo, "type.pv") is { } pv)
            {
                d.Kernel ??= Str(pv, "kernel");
                d.Ramdisk ??= Str(pv, "ramdisk");
                d.Cmdline ??= Str(pv, "cmdline");
                if (d.Type == XenDomainType.Unknown) d.Type = XenDomainType.PV;
            }
            if (Obj(bInfo, "type.pvh") is { } && d.Type == XenDomainType.Unknown) d.Type = XenDomainType.PVH;
            if (Obj(bInfo, "type.hvm") is { } hvm)
            {
                if (d.Type == XenDomainType.Unknown) d.Type = XenDomainType.HVM;
                d.Serial = Str(hvm, "serial") ?? FirstString(hvm, "serial_list");
                d.Boot = Str(hvm, "boot");
                d.Vnc = ParseVnc(Obj(hvm, "vnc"));
            }
        }

        if (config.TryGetProperty("disks", out var disks) && disks.ValueKind == JsonValueKind.Array)
        {
            foreach (var disk in disks.EnumerateArray()) d.Disks.Add(ParseDisk(disk));
        }
        if (config.TryGetProperty("nics", out var nics) && nics.ValueKind == JsonValueKind.Array)
        {
            foreach (var nic in nics.EnumerateArray()) d.Nics.Add(ParseNic(nic));
        }

        d.OnPoweroff = Action(Str(config, "on_poweroff")) ?? "destroy";
        d.OnReboot = Action(Str(config, "on_reboot")) ?? "restart";
        d.OnCrash = Action(Str(config, "on_crash")) ?? "destroy";
        return d;
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
        domain.Serial = config.Serial;
        domain.Boot = config.Boot;
        domain.OnPoweroff = config.OnPoweroff;
        domain.OnReboot = config.OnReboot;
        domain.OnCrash = config.OnCrash;
        domain.ConfigJson = config.Json;
    }

    public static XenDomainType ParseType(string? type) => type?.ToLowerInvariant() switch
    {
        "pv" => XenDomainType.PV,
        "pvh" => XenDomainType.PVH,
        "hvm" => XenDomainType.HVM,
        _ => XenDomainType.Unknown,
    };

    private static XenVnc? ParseVnc(JsonElement? vnc)
    {
        if (vnc is not { } v) return null;
        return new XenVnc
        {
            Enabled = Bool(v, "enable"),
            Listen = Str(v, "listen"),
            Display = Int(v, "display"),
            FindUnused = Bool(v, "findunused"),
            HasPassword = !string.IsNullOrEmpty(Str(v, "passwd")),
        };
    }

    private static XenDisk ParseDisk(JsonElement disk)
    {
        var backend = Str(disk, "backend");
        return new XenDisk
        {
            Target = Str(disk, "pdev_path"),
            Vdev = Str(disk, "vdev"),
            Format = Str(disk, "format"),
            BackendType = backend is null || backend == "unknown" ? null : backend,
            // readwrite is an int; 0 (read-only) is the default, hence omitted for read-only disks.
            ReadWrite = (Int(disk, "readwrite") ?? 0) != 0,
            IsCdrom = (Int(disk, "is_cdrom") ?? 0) != 0,
        };
    }

    private static XenNic ParseNic(JsonElement nic) => new()
    {
        DevId = Int(nic, "devid"),
        Mac = Str(nic, "mac"),
        Bridge = Str(nic, "bridge"),
        Model = Str(nic, "model"),
        Type = Str(nic, "nictype"),
        VifName = Str(nic, "ifname"),
        Ip = Str(nic, "ip"),
        Script = Str(nic, "script"),
    };

    /// <summary>libxl enum names use underscores; xl.cfg spells them with dashes (coredump_destroy → coredump-destroy).</summary>
    private static string? Action(string? value) => value?.Replace('_', '-');

    private static JsonElement? Obj(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Object ? e : null;

    private static string? Str(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var e)) return null;
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => null,
        };
    }

    private static string? FirstString(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Array) return null;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) return item.GetString();
        }
        return null;
    }

    private static long? Long(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var e)) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n)) return n;
        if (e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n;
        return null;
    }

    private static int? Int(JsonElement parent, string name) => Long(parent, name) is { } v && v >= int.MinValue && v <= int.MaxValue ? (int)v : null;

    /// <summary>libxl defbool: "True", "False" or "&lt;default&gt;" (null); real JSON booleans are accepted too.</summary>
    private static bool? Bool(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var e)) return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => e.TryGetInt64(out var n) ? n != 0 : null,
            JsonValueKind.String => e.GetString() switch
            {
                "True" or "true" or "1" => true,
                "False" or "false" or "0" => false,
                _ => null,
            },
            _ => null,
        };
    }
}
