using System;

namespace XenPS;

[Flags]
public enum XenVCpuState
{
    None = 0,
    Running = 1,
    Blocked = 2,
    Offline = 4,
}

/// <summary>One virtual CPU of a domain, as xl vcpu-list shows it.</summary>
public sealed class XenVCpu
{
    public string ComputerName { get; set; } = "localhost";
    public string Name { get; set; } = string.Empty;
    public int Id { get; set; }
    public int VCpu { get; set; }

    /// <summary>The physical CPU it runs on; null when the vCPU is offline.</summary>
    public int? Cpu { get; set; }

    public XenVCpuState State { get; set; }
    public string StateText { get; set; } = "---";
    public TimeSpan CpuTime { get; set; }
    public string HardAffinity { get; set; } = "all";
    public string SoftAffinity { get; set; } = "all";
}

/// <summary>How long a domain has been up (xl uptime).</summary>
public sealed class XenDomainUptime
{
    public string ComputerName { get; set; } = "localhost";
    public string Name { get; set; } = string.Empty;
    public int Id { get; set; }
    public TimeSpan Uptime { get; set; }
}
