using System;
using System.Collections.Generic;

namespace XenPS;

/// <summary>The run state of a domain: the first, second, third, fourth and sixth characters of xl list's State.</summary>
[Flags]
public enum XenDomainState
{
    None = 0,
    Running = 1,
    Blocked = 2,
    Paused = 4,
    Shutdown = 8,
    Crashed = 16,
    Dying = 32,
}

/// <summary>Why a domain shut down: the fifth State character of xl list, one of "-rscwS" (meaningful when Shutdown is set).</summary>
public enum XenShutdownReason
{
    None,
    PowerOff,
    Reboot,
    Suspend,
    Crash,
    Watchdog,
    SoftReset,
    Unknown,
}

public enum XenDomainType
{
    Unknown,
    PV,
    PVH,
    HVM,
}

/// <summary>A Xen domain as xl list (and, with -Detailed, xl list -l) shows it.</summary>
public sealed class XenDomain
{
    /// <summary>The host the domain runs on ("localhost" when local).</summary>
    public string ComputerName { get; set; } = "localhost";

    public string Name { get; set; } = string.Empty;

    /// <summary>The domain id (domid).</summary>
    public int Id { get; set; }

    /// <summary>Current memory in MiB, as xl list shows it.</summary>
    public long MemoryMB { get; set; }

    /// <summary>Online vCPUs.</summary>
    public int VCpus { get; set; }

    public XenDomainState State { get; set; }

    public XenShutdownReason ShutdownReason { get; set; }

    /// <summary>The six State characters exactly as xl prints them, e.g. "r-----" or "---sc-".</summary>
    public string StateText { get; set; } = "------";

    public TimeSpan CpuTime { get; set; }

    /// <summary>From xl list -v or -l.</summary>
    public Guid? Uuid { get; set; }

    /// <summary>The shutdown reason code from xl list -v, when the domain has shut down.</summary>
    public int? ReasonCode { get; set; }

    /// <summary>The security label from xl list -v ("-" when there is none).</summary>
    public string? SecurityLabel { get; set; }

    /// <summary>True when the fields below were filled from xl list -l.</summary>
    public bool IsDetailed { get; set; }

    public XenDomainType Type { get; set; }

    public long? MaxMemoryMB { get; set; }

    public long? TargetMemoryMB { get; set; }

    public int? MaxVCpus { get; set; }

    public string? Kernel { get; set; }

    public string? Ramdisk { get; set; }

    public string? KernelCommandLine { get; set; }

    public IReadOnlyList<XenDisk> Disks { get; set; } = Array.Empty<XenDisk>();

    public IReadOnlyList<XenNic> Nics { get; set; } = Array.Empty<XenNic>();

    /// <summary>The VNC console: HVM's (type.hvm.vnc) or, for PV and PVH guests, the first virtual framebuffer's (vfbs).</summary>
    public XenVnc? Vnc { get; set; }

    /// <summary>Whether an SDL window is on (HVM's sdl, or a vfb's), when the configuration says.</summary>
    public bool? Sdl { get; set; }

    /// <summary>The SPICE console of an HVM guest.</summary>
    public XenSpice? Spice { get; set; }

    /// <summary>The scheduler weight (xl sched-credit2 / sched-credit), read by Get-XenDomain -Detailed.</summary>
    public int? Weight { get; set; }

    /// <summary>The scheduler cap in percent of one CPU (0 = no cap).</summary>
    public int? Cap { get; set; }

    public string? Serial { get; set; }

    public string? Boot { get; set; }

    public string? OnPoweroff { get; set; }

    public string? OnReboot { get; set; }

    public string? OnCrash { get; set; }

    private string? _configJson;

    /// <summary>The domain's libxl configuration as xl list -l printed it (JSON), with its passwords masked
    /// (<c>"passwd": "********"</c>): it is still valid JSON, and never carries a VNC or SPICE password.</summary>
    public string? ConfigJson
    {
        get => _configJson ?? ConfigJsonSource?.Json;
        set => _configJson = Core.Execution.SecretRedactor.RedactJson(value);
    }

    /// <summary>Where <see cref="ConfigJson"/> comes from until it is read (it is only cut out of xl's output on demand).</summary>
    internal Core.Parsing.XlDomainConfig? ConfigJsonSource { get; set; }

    public bool IsDom0 => Id == 0;

    public override string ToString() => Name;
}

/// <summary>A virtual disk of a domain (xl list -l "disks").</summary>
public sealed class XenDisk
{
    /// <summary>The backing file or device (pdev_path), e.g. /dev/zvol/zroot/xendisk0.</summary>
    public string? Target { get; set; }

    /// <summary>The device name in the guest, e.g. xvda or hda.</summary>
    public string? Vdev { get; set; }

    public string? Format { get; set; }

    /// <summary>The backend type: phy, qdisk, tap or standalone.</summary>
    public string? BackendType { get; set; }

    public bool ReadWrite { get; set; } = true;

    public bool IsCdrom { get; set; }

    public override string ToString() => $"{Vdev}={Target}";
}

/// <summary>A virtual network interface of a domain (xl list -l "nics").</summary>
public sealed class XenNic
{
    public int? DevId { get; set; }
    public string? Mac { get; set; }
    public string? Bridge { get; set; }
    public string? Model { get; set; }
    public string? Type { get; set; }
    public string? VifName { get; set; }
    /// <summary>The addresses of the vif's "ip" setting (xl.cfg takes them space-separated).</summary>
    public IReadOnlyList<string> Ip { get; set; } = Array.Empty<string>();
    public string? Script { get; set; }

    /// <summary>Splits xl's "ip" text (addresses separated by spaces or commas) into a list.</summary>
    public static IReadOnlyList<string> SplitIp(string? ip) =>
        string.IsNullOrWhiteSpace(ip) ? Array.Empty<string>() : ip!.Split(new[] { ' ', ',', '\t' }, StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"{Mac}@{Bridge}";
}

/// <summary>The SPICE console of an HVM domain (the password itself is never read: only whether there is one).</summary>
public sealed class XenSpice
{
    public bool? Enabled { get; set; }
    public string? Host { get; set; }
    public int? Port { get; set; }
    public int? TlsPort { get; set; }
    public bool HasPassword { get; set; }

    public override string ToString() => Enabled == false ? "off" : $"{Host ?? "0.0.0.0"}:{Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";
}

/// <summary>The VNC console of a domain (HVM's, or a PV/PVH guest's virtual framebuffer).</summary>
public sealed class XenVnc
{
    public bool? Enabled { get; set; }
    public string? Listen { get; set; }
    public int? Display { get; set; }
    public bool? FindUnused { get; set; }
    public bool HasPassword { get; set; }

    /// <summary>The TCP port (5900 + display) when the display is fixed.</summary>
    public int? Port => Display is { } d ? 5900 + d : null;

    public override string ToString() => Enabled == false ? "off" : $"{Listen ?? "127.0.0.1"}:{(Display?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto")}";
}
