using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using XenPS.Core.Execution;

namespace XenPS.Core.Dom0;

/// <summary>How the bridge for the guests' network is built in /etc/rc.conf.</summary>
public enum XenBridgeStyle
{
    /// <summary>The Handbook's first edition: cloned_interfaces="bridge0", ifconfig_bridge0="addm NIC SYNCDHCP", ifconfig_NIC="up".</summary>
    Cloned,

    /// <summary>The Handbook's second edition: autobridge_interfaces="bridge0", autobridge_bridge0="NIC", ifconfig_bridge0="SYNCDHCP".</summary>
    Autobridge,
}

/// <summary>What the user asked for (Initialize-XenDom0 / Test-XenDom0 parameters), as given. A null value means "not
/// managed": Initialize leaves the setting as it is, Test only checks that it is there. <see cref="Validate"/> checks
/// every value before anything is read from or written to a host.</summary>
public sealed class Dom0Request
{
    /// <summary>Dom0 memory: "8192M", "8G", or a number of MiB ("8192").</summary>
    public string? Dom0Memory { get; set; }

    public int? Dom0VCpus { get; set; }

    /// <summary>"4.7", "4.17" or "4.19.1"; null: detected from the xen-kernel package (or xl info).</summary>
    public string? XenVersion { get; set; }

    /// <summary>The Xen console list, e.g. "com1,vga".</summary>
    public string? Console { get; set; }

    /// <summary>The network interface the bridge is built on (em0, igb0, bge2...).</summary>
    public string? BridgeInterface { get; set; }

    public XenBridgeStyle BridgeStyle { get; set; } = XenBridgeStyle.Cloned;

    /// <summary>try-include /boot/xen.4th in /boot/menu.rc.local (the Forth boot menu).</summary>
    public bool BootMenu { get; set; }

    /// <summary>if_tap_load="YES" in loader.conf.</summary>
    public bool LoadTap { get; set; }

    /// <summary>true: iommu=debug, dom0=verbose, sync_console and boot_verbose="YES"; false: remove them all; null: only
    /// sync_console is removed (it must never be used in production).</summary>
    public bool? BootDiagnostics { get; set; }

    /// <summary>pkg install -y xen-kernel xen-tools when they are missing.</summary>
    public bool InstallPackages { get; set; }

    /// <summary>The root of a mounted system or boot environment; null or "/" for the host itself.</summary>
    public string? Root { get; set; }

    /// <summary>Checks every value and returns them normalized. Hostile or malformed input is refused with an
    /// InvalidArgument <see cref="XenException"/> (id XenInvalidArgument) naming the parameter.</summary>
    public Dom0DesiredState Validate() => Dom0DesiredState.From(this);
}

/// <summary>The validated, normalized form of a <see cref="Dom0Request"/>.</summary>
public sealed class Dom0DesiredState
{
    /// <summary>Dom0 memory limits: below 512 MiB a FreeBSD Dom0 does not run usefully; 4 TiB is far above any host.</summary>
    public const long MinDom0MemoryMB = 512;
    public const long MaxDom0MemoryMB = 4L * 1024 * 1024;

    private static readonly Regex MemoryPattern = new(@"^(?<n>[0-9]{1,10})(?<u>[MmGg]?)\z", RegexOptions.CultureInvariant);
    private static readonly Regex InterfacePattern = new(@"^[a-z][a-z0-9_.]{0,14}\z", RegexOptions.CultureInvariant);
    private static readonly Regex VersionPattern = new(@"^(?<major>[0-9]{1,2})\.(?<minor>[0-9]{1,2})(\.[0-9]{1,8})?\z", RegexOptions.CultureInvariant);
    private static readonly Regex RootPattern = new(@"^/[^\x00-\x1f\x7f]*\z", RegexOptions.CultureInvariant);
    private static readonly string[] ConsoleDevices = { "com1", "com2", "vga" };

    private Dom0DesiredState() { }

    /// <summary>Dom0 memory in MiB; null: not managed.</summary>
    public long? Dom0MemoryMB { get; private set; }

    public int? Dom0VCpus { get; private set; }

    /// <summary>The Xen version the user gave (major.minor); null: detect it.</summary>
    public Version? XenVersion { get; private set; }

    /// <summary>The console devices in order (com1, vga); null: not managed.</summary>
    public IReadOnlyList<string>? Console { get; private set; }

    public string? BridgeInterface { get; private set; }

    public XenBridgeStyle BridgeStyle { get; private set; }

    /// <summary>The bridge XenPS builds (the Handbook's).</summary>
    public string BridgeName => "bridge0";

    public bool BootMenu { get; private set; }

    public bool LoadTap { get; private set; }

    public bool? BootDiagnostics { get; private set; }

    public bool InstallPackages { get; private set; }

    /// <summary>"" for the host itself, else an absolute path without a trailing '/'.</summary>
    public string Root { get; private set; } = string.Empty;

    public bool HasRoot => Root.Length > 0;

    /// <summary>A path of the target system as a path on the host (the root prefixed).</summary>
    public string PathOf(string systemPath) => Root + systemPath;

    internal static Dom0DesiredState From(Dom0Request r)
    {
        if (r is null) throw new ArgumentNullException(nameof(r));
        var s = new Dom0DesiredState
        {
            BootMenu = r.BootMenu,
            LoadTap = r.LoadTap,
            BootDiagnostics = r.BootDiagnostics,
            InstallPackages = r.InstallPackages,
            BridgeStyle = r.BridgeStyle,
        };
        if (r.Dom0Memory is not null) s.Dom0MemoryMB = ParseMemory(r.Dom0Memory);
        if (r.Dom0VCpus is { } vcpus)
        {
            if (vcpus < 1 || vcpus > 512) throw Invalid($"-Dom0VCpus {vcpus} is out of range: give 1 to 512 virtual CPUs for the Dom0.");
            s.Dom0VCpus = vcpus;
        }
        if (r.XenVersion is not null) s.XenVersion = ParseXenVersion(r.XenVersion, "-XenVersion");
        if (r.Console is not null) s.Console = ParseConsole(r.Console);
        if (r.BridgeInterface is not null) s.BridgeInterface = ParseInterface(r.BridgeInterface);
        if (!Enum.IsDefined(typeof(XenBridgeStyle), r.BridgeStyle)) throw Invalid("-BridgeStyle must be Cloned or Autobridge.");
        if (r.Root is not null) s.Root = ParseRoot(r.Root);
        return s;
    }

    /// <summary>"8192M", "8G" or "8192" (MiB) to MiB.</summary>
    public static long ParseMemory(string text)
    {
        var m = MemoryPattern.Match(text ?? string.Empty);
        if (!m.Success)
            throw Invalid($"-Dom0Memory {ConfigShow(text)} is not a memory size: give a number of MiB (8192), or a number followed by M or G (8192M, 8G), nothing else.");
        var n = long.Parse(m.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var mb = m.Groups["u"].Value.ToUpperInvariant() == "G" ? n * 1024 : n;
        if (mb < MinDom0MemoryMB || mb > MaxDom0MemoryMB)
            throw Invalid($"-Dom0Memory {text} is out of range: give {MinDom0MemoryMB}M to {MaxDom0MemoryMB / 1024 / 1024}T ({MaxDom0MemoryMB}M).");
        return mb;
    }

    /// <summary>"4.17" or "4.19.1" to major.minor; Xen 4.7 is the oldest FreeBSD ever ran as Dom0.</summary>
    public static Version ParseXenVersion(string text, string what)
    {
        var m = VersionPattern.Match(text ?? string.Empty);
        if (!m.Success) throw Invalid($"{what} {ConfigShow(text)} is not a Xen version: give major.minor, such as 4.7, 4.17 or 4.19.1.");
        var v = new Version(int.Parse(m.Groups["major"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["minor"].Value, CultureInfo.InvariantCulture));
        if (v < new Version(4, 7)) throw Invalid($"{what} {text}: FreeBSD runs as a Xen Dom0 from Xen 4.7 on.");
        return v;
    }

    private static IReadOnlyList<string> ParseConsole(string text)
    {
        var parts = (text ?? string.Empty).Split(',');
        if (text is null || text.Length == 0 || parts.Any(p => !ConsoleDevices.Contains(p, StringComparer.Ordinal)))
            throw Invalid($"-Console {ConfigShow(text)} is not a Xen console list: use com1, com2 and vga, separated by commas (com1,vga).");
        if (parts.Distinct(StringComparer.Ordinal).Count() != parts.Length) throw Invalid($"-Console {text} names a device twice.");
        return parts;
    }

    private static string ParseInterface(string text)
    {
        if (text is null || !InterfacePattern.IsMatch(text))
            throw Invalid($"-BridgeInterface {ConfigShow(text)} is not a network interface name: FreeBSD names are a lower-case letter, then up to 14 lower-case letters, digits, '_' or '.' (em0, igb1, vtnet0, lagg0.10).");
        if (Regex.IsMatch(text, @"^(bridge|lo|tap|xnb)[0-9]", RegexOptions.CultureInvariant))
            throw Invalid($"-BridgeInterface {text}: give the host's physical (or lagg/vlan) interface; {text} cannot be a member of bridge0.");
        return text;
    }

    private static string ParseRoot(string text)
    {
        if (text is null || !RootPattern.IsMatch(text))
            throw Invalid($"-Root {ConfigShow(text)} must be an absolute path (the mount point of the system to prepare) without control characters.");
        var segments = text.Split('/');
        if (segments.Any(x => x == ".." || x == "."))
            throw Invalid($"-Root {ConfigShow(text)} must not contain '.' or '..' segments.");
        return text.TrimEnd('/');
    }

    internal static XenException Invalid(string message) => new("XenInvalidArgument", XenErrorKind.InvalidArgument, message);

    private static string ConfigShow(string? text)
    {
        if (text is null) return "(null)";
        var sb = new System.Text.StringBuilder("'");
        foreach (var c in text)
        {
            if (c < ' ' || c == '\u007f') sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }
}
