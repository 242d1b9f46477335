using System;
using System.Collections.Generic;

namespace XenPS;

/// <summary>The xenbus state of a device's backend (the "state" column of xl block-list / network-list).</summary>
public enum XenDeviceState
{
    Unknown = 0,
    Initialising = 1,
    InitWait = 2,
    Initialised = 3,
    Connected = 4,
    Closing = 5,
    Closed = 6,
    Reconfiguring = 7,
    Reconfigured = 8,
}

/// <summary>A disk of a domain: what xl block-list shows of a running domain, merged with its configuration (xl list -l,
/// or the config file of a stopped guest).</summary>
public sealed class XenDomainDisk
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The domain's name (binds -Name of the other disk cmdlets).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The domain id, or null for a stopped guest (read from its config file).</summary>
    public int? DomainId { get; set; }

    /// <summary>The device name in the guest, e.g. xvdb or hdc.</summary>
    public string? Vdev { get; set; }

    /// <summary>xl's device number (the Vdev column of xl block-list), e.g. 51728 for xvdb.</summary>
    public int? DevId { get; set; }

    /// <summary>The backing file or device.</summary>
    public string? Target { get; set; }

    public string? Format { get; set; }

    /// <summary>rw or ro (null for an attached disk that xl's view of the configuration does not list).</summary>
    public string? Access { get; set; }

    public bool IsCdrom { get; set; }

    /// <summary>phy, qdisk, tap or standalone (from the configuration or the backend path).</summary>
    public string? BackendType { get; set; }

    /// <summary>The backend's xenbus state (null for a stopped guest, or a disk only in the configuration).</summary>
    public XenDeviceState? State { get; set; }

    public int? BackendDomainId { get; set; }

    public string? BackendPath { get; set; }

    /// <summary>True when xl block-list shows the disk (attached to the running domain).</summary>
    public bool IsAttached { get; set; }

    /// <summary>True when the guest's config file (stopped guest) lists the disk; for a running guest, whether xl's
    /// view of its configuration (xl list -l) has it.</summary>
    public bool InConfig { get; set; }

    public override string ToString() => $"{Vdev}={Target}";
}

/// <summary>A network interface of a domain: xl network-list merged with the configuration.</summary>
public sealed class XenNetworkAdapter
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The domain's name.</summary>
    public string Name { get; set; } = string.Empty;

    public int? DomainId { get; set; }

    /// <summary>The device index (Idx of xl network-list, devid of the configuration).</summary>
    public int? DevId { get; set; }

    public string? MacAddress { get; set; }

    public string? Bridge { get; set; }

    /// <summary>The backend interface in the Dom0, e.g. vif7.1 (running domains).</summary>
    public string? VifName { get; set; }

    public string? Model { get; set; }

    /// <summary>The addresses of the vif's "ip" setting (an anti-spoofing list for vif-route and friends).</summary>
    public IReadOnlyList<string> IpAddress { get; set; } = Array.Empty<string>();

    public XenDeviceState? State { get; set; }

    public int? BackendDomainId { get; set; }

    public string? BackendPath { get; set; }

    public bool IsAttached { get; set; }

    public bool InConfig { get; set; }

    public override string ToString() => $"{MacAddress}@{Bridge}";
}

/// <summary>One domain in one sample of xentop -b.</summary>
public sealed class XenDomainStatistic
{
    public string ComputerName { get; set; } = "localhost";

    public string Name { get; set; } = string.Empty;

    /// <summary>When the sample was taken (the end of xentop's interval, by the local clock).</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>xentop's state, e.g. "--b---" (one of r b p s c d per position).</summary>
    public string State { get; set; } = string.Empty;

    public long CpuSeconds { get; set; }

    /// <summary>CPU use over the interval, in percent of one physical CPU (can exceed 100 with several vCPUs).</summary>
    public double CpuPercent { get; set; }

    public long MemoryKB { get; set; }

    public double MemoryPercent { get; set; }

    /// <summary>Max memory in KiB; null when xentop says "no limit".</summary>
    public long? MaxMemoryKB { get; set; }

    public double? MaxMemoryPercent { get; set; }

    public int VCpus { get; set; }

    public int Nets { get; set; }

    public long NetTxKB { get; set; }

    public long NetRxKB { get; set; }

    public int Vbds { get; set; }

    public long VbdOutOfRequests { get; set; }

    public long VbdReads { get; set; }

    public long VbdWrites { get; set; }

    public long VbdReadSectors { get; set; }

    public long VbdWriteSectors { get; set; }

    public long MemoryMB => MemoryKB / 1024;

    public override string ToString() => Name;
}

/// <summary>The scheduler parameters of one domain (xl sched-credit2 / sched-credit).</summary>
public sealed class XenSchedulerParameters
{
    public string Name { get; set; } = string.Empty;
    public int Id { get; set; }
    public int Weight { get; set; }
    public int Cap { get; set; }
    public string Scheduler { get; set; } = "credit2";
}
