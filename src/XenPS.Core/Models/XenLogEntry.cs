using System;

namespace XenPS;

/// <summary>Which log a <see cref="XenLogEntry"/> comes from.</summary>
public enum XenLogKind
{
    /// <summary>/var/log/xen/xl-NAME.log: the xl process that watches the domain (and libxl's messages).</summary>
    Xl,

    /// <summary>/var/log/xen/qemu-dm-NAME.log: the device model (QEMU) of an HVM guest, or of a qdisk backend.</summary>
    DeviceModel,

    /// <summary>xl dmesg: the hypervisor's console ring.</summary>
    Hypervisor,

    /// <summary>/var/log/xen/console/guest-NAME.log: the guest's console, when xenconsoled logs guests (--log=guest).</summary>
    Console,
}

/// <summary>One line of a Xen log, with what its text says about time, level and origin.</summary>
public sealed class XenLogEntry
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The domain the log is about (null for the hypervisor's log).</summary>
    public string? Name { get; set; }

    public XenLogKind Kind { get; set; }

    /// <summary>The date and time written on the line, when it has one (xl -T, QEMU -msg timestamp=on, Xen's
    /// console_timestamps=date, xenconsoled --timestamp). Null for lines without one, such as most of xl's.</summary>
    public DateTime? Time { get; set; }

    /// <summary>Time since boot written on the line: the hypervisor's with console_timestamps=boot, the guest
    /// kernel's on its console.</summary>
    public TimeSpan? Uptime { get; set; }

    /// <summary>The level the line names (libxl/xc: debug, verbose, detail, progress, info, notice, warning, error,
    /// critical), else null.</summary>
    public string? Level { get; set; }

    /// <summary>Who wrote the line when it says so: libxl, xc, a QEMU binary, XEN or a guest (d1) in xl dmesg.</summary>
    public string? Context { get; set; }

    public string Message { get; set; } = string.Empty;

    /// <summary>The file the line was read from, or "xl dmesg".</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The line exactly as it was read (a password in it masked).</summary>
    public string Line { get; set; } = string.Empty;

    public override string ToString() => Line;
}
