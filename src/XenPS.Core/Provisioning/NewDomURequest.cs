using System;
using System.Collections.Generic;

namespace XenPS.Core.Provisioning;

/// <summary>What New-XenDomU is asked to create.</summary>
public sealed class NewDomURequest
{
    public string Name { get; set; } = string.Empty;
    public XenDomainType Type { get; set; } = XenDomainType.HVM;
    public long MemoryMB { get; set; }
    public int VCpus { get; set; } = 1;

    /// <summary>A ZFS volume to create (pool/volume), used as /dev/zvol/pool/volume.</summary>
    public string? ZfsVolume { get; set; }

    /// <summary>A disk image file: created sparse when <see cref="DiskSizeGB"/> is given, else it must exist.</summary>
    public string? DiskPath { get; set; }

    public int? DiskSizeGB { get; set; }

    /// <summary>An ISO attached as a read-only cdrom; HVM guests boot from it first.</summary>
    public string? InstallMedia { get; set; }

    public string Bridge { get; set; } = "bridge0";
    public bool NoNetwork { get; set; }
    public string? MacAddress { get; set; }

    public bool Vnc { get; set; }
    public string VncListen { get; set; } = "127.0.0.1";
    public string? VncPassword { get; set; }
    public int? VncDisplay { get; set; }

    /// <summary>e.g. "pty" (for `xl console`).</summary>
    public string? Serial { get; set; }

    public string? Kernel { get; set; }
    public string? Ramdisk { get; set; }
    public string? Extra { get; set; }

    /// <summary>Where to write the config; default &lt;config dir&gt;/&lt;name&gt;.cfg.</summary>
    public string? ConfigPath { get; set; }

    public bool NoStart { get; set; }

    /// <summary>Any other xl.cfg keys (e.g. cpuid, usbdevice, on_crash).</summary>
    public IDictionary<string, object?> ConfigOptions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
