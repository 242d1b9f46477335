using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS;

/// <summary>A Xen host as xl info describes it.</summary>
public sealed class XenHost
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The host name the Dom0 reports (xl info "host").</summary>
    public string? HostName { get; set; }

    /// <summary>Dom0 kernel release (uname -r).</summary>
    public string? Release { get; set; }

    /// <summary>Dom0 kernel version string (uname -v).</summary>
    public string? KernelVersion { get; set; }

    public string? Machine { get; set; }

    /// <summary>The hypervisor version, e.g. "4.17.7" (built from xen_major/minor/extra on Xen releases without xen_version).</summary>
    public string? XenVersion { get; set; }

    public int? NrCpus { get; set; }

    public double? CpuMHz { get; set; }

    public long? TotalMemoryMB { get; set; }

    public long? FreeMemoryMB { get; set; }

    public XenVirtCaps VirtCaps { get; set; } = new(Array.Empty<string>());

    public string? Scheduler { get; set; }

    /// <summary>The command line the running hypervisor was booted with (xl info xen_commandline).</summary>
    public string? XenCommandLine { get; set; }

    public string? XenCaps { get; set; }

    /// <summary>Every key of xl info with its value, in xl's order.</summary>
    public IReadOnlyDictionary<string, string> Info { get; set; } = new Dictionary<string, string>();

    public override string ToString() => HostName ?? ComputerName;
}

/// <summary>xl info virt_caps: what the CPU and hypervisor can do for guests.</summary>
public sealed class XenVirtCaps
{
    public XenVirtCaps(IEnumerable<string> capabilities) =>
        Capabilities = capabilities.Where(c => c.Length > 0).ToArray();

    public IReadOnlyList<string> Capabilities { get; }

    public bool PV => Has("pv");

    /// <summary>Hardware virtualisation (Intel VT-x / AMD-V): needed for HVM and PVH guests and a PVH Dom0.</summary>
    public bool HVM => Has("hvm");

    /// <summary>Hardware-assisted paging (EPT / NPT).</summary>
    public bool HAP => Has("hap");

    /// <summary>An IOMMU usable for HVM device pass-through (VT-d / AMD-Vi): virt_caps "hvm_directio".</summary>
    public bool HvmDirectIO => Has("hvm_directio");

    /// <summary>Same as HvmDirectIO: the host has a usable IOMMU.</summary>
    public bool Iommu => HvmDirectIO;

    public bool PvDirectIO => Has("pv_directio");

    public bool Shadow => Has("shadow");

    public bool Has(string capability) => Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase);

    public override string ToString() => string.Join(" ", Capabilities);
}
