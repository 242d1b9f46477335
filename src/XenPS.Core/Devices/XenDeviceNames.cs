using System;
using System.Globalization;
using System.Text.RegularExpressions;
using XenPS.Core.Execution;

namespace XenPS.Core.Devices;

/// <summary>
/// The names of guest devices, checked before anything runs: a disk's vdev (xvdb, hdc, sda, xvda1, as libxl reads them),
/// a MAC address, a bridge (an interface name), a CPU list for vcpu-pin, a path on the host. Each check throws a
/// XenException (InvalidArgument) that names what is wrong.
/// </summary>
public static class XenDeviceNames
{
    private static readonly Regex VdevPattern = new("^(?<kind>xvd|hd|sd)(?<disk>[a-z]{1,3})(?<part>[1-9][0-9]{0,2})?$", RegexOptions.CultureInvariant);
    private static readonly Regex MacPattern = new("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$", RegexOptions.CultureInvariant);
    private static readonly Regex BridgePattern = new("^[A-Za-z][A-Za-z0-9_.-]{0,14}$", RegexOptions.CultureInvariant);
    private static readonly Regex CpuListPattern = new(@"^(all|\^?[0-9]{1,4}(-[0-9]{1,4})?(,\^?[0-9]{1,4}(-[0-9]{1,4})?)*)$", RegexOptions.CultureInvariant);

    /// <summary>xl's device number for a vdev (libxl__device_disk_dev_number), or null when libxl would refuse the name.</summary>
    public static int? DevId(string? vdev)
    {
        if (vdev is null) return null;
        var m = VdevPattern.Match(vdev);
        if (!m.Success) return null;
        var disk = 0;
        foreach (var c in m.Groups["disk"].Value) disk = disk * 26 + (c - 'a' + 1);
        disk -= 1;
        var partition = m.Groups["part"].Success ? int.Parse(m.Groups["part"].Value, CultureInfo.InvariantCulture) : 0;
        switch (m.Groups["kind"].Value)
        {
            case "xvd":
                if (disk < 16 && partition < 16) return (202 << 8) | (disk << 4) | partition;
                if (disk >= 1 << 20 || partition >= 256) return null;
                return (1 << 28) | (disk << 8) | partition;
            case "hd":
                if (disk >= 4 || partition >= 64) return null;
                int[] hdMajors = { 3, 22, 33, 34 };
                return (hdMajors[disk / 2] << 8) | ((disk & 1) << 6) | partition;
            default: // sd
                if (disk >= 256 || partition >= 16) return null;
                var major = disk < 16 ? 8 : 64 + disk / 16;
                return (major << 8) | ((disk & 15) << 4) | partition;
        }
    }

    /// <summary>The vdev of an xvd device number (what xl block-list shows), or null for another kind.</summary>
    public static string? XvdName(int devId)
    {
        int disk, partition;
        if ((devId >> 8) == 202) { disk = (devId >> 4) & 15; partition = devId & 15; }
        else if ((devId & (1 << 28)) != 0) { disk = (devId >> 8) & 0xFFFFF; partition = devId & 0xFF; }
        else return null;
        return "xvd" + Letters(disk) + (partition > 0 ? partition.ToString(CultureInfo.InvariantCulture) : string.Empty);
    }

    /// <summary>Disk letters of a disk number: 0 a, 25 z, 26 aa.</summary>
    public static string Letters(int disk)
    {
        var s = string.Empty;
        disk += 1;
        while (disk > 0)
        {
            disk--;
            s = (char)('a' + disk % 26) + s;
            disk /= 26;
        }
        return s;
    }

    /// <summary>Throws unless <paramref name="vdev"/> is a device name libxl can read.</summary>
    public static string ValidateVdev(string? vdev)
    {
        if (DevId(vdev) is null)
        {
            throw Invalid("XenInvalidVdev",
                $"'{Show(vdev)}' is not a virtual disk name: give xvd, hd or sd followed by the disk letters and an optional partition number (e.g. xvdb, hdc, sda, xvdb1).");
        }
        return vdev!;
    }

    /// <summary>Throws unless <paramref name="mac"/> is six two-digit hexadecimal octets separated by ':'; returns it in lower case.</summary>
    public static string ValidateMac(string? mac)
    {
        if (mac is null || !MacPattern.IsMatch(mac))
            throw Invalid("XenInvalidMacAddress", $"'{Show(mac)}' is not a MAC address: give six two-digit hexadecimal octets separated by ':' (e.g. 00:16:3e:12:34:56).");
        var value = mac.ToLowerInvariant();
        var first = Convert.ToInt32(value.Substring(0, 2), 16);
        if ((first & 1) != 0) throw Invalid("XenInvalidMacAddress", $"'{mac}' is a multicast address (the low bit of the first octet is set): a network interface needs a unicast MAC.");
        return value;
    }

    /// <summary>Throws unless <paramref name="bridge"/> is a valid interface name (a letter, then up to 14 letters,
    /// digits, '_' or '.'; FreeBSD and Linux both allow 15).</summary>
    public static string ValidateBridge(string? bridge)
    {
        if (bridge is null || !BridgePattern.IsMatch(bridge))
            throw Invalid("XenInvalidBridge", $"'{Show(bridge)}' is not a bridge interface name: give a letter, then at most 14 letters, digits, '_' or '.' (e.g. bridge0).");
        return bridge;
    }

    /// <summary>Throws unless <paramref name="cpus"/> is a CPU list xl vcpu-pin reads: all, or numbers and ranges
    /// separated by commas, each optionally negated with '^' (e.g. 0-3,^2).</summary>
    public static string ValidateCpuList(string? cpus, string what)
    {
        if (cpus is null || !CpuListPattern.IsMatch(cpus))
            throw Invalid("XenInvalidCpuList", $"'{Show(cpus)}' is not a CPU list for the {what} affinity: give all, or CPU numbers and ranges separated by commas (e.g. 0-1,3, or ^2 to leave out CPU 2).");
        return cpus;
    }

    /// <summary>Throws unless <paramref name="path"/> is an absolute path on the host that xl can take as a disk target
    /// (no control characters; ',' and '=' inside are fine, since target= comes last and takes the rest of the spec, but
    /// not a trailing ',', which xl drops).</summary>
    public static string ValidateHostPath(string? path, string what)
    {
        if (string.IsNullOrEmpty(path) || path![0] != '/')
            throw Invalid("XenInvalidPath", $"The {what} '{Show(path)}' is not an absolute path on the host (it must start with '/').");
        foreach (var c in path)
        {
            if (char.IsControl(c)) throw Invalid("XenInvalidPath", $"The {what} '{Show(path)}' contains a control character.");
        }
        if (path.Length > 1024) throw Invalid("XenInvalidPath", $"The {what} path is longer than 1024 characters.");
        // xl's disk parser (libxlu_disk_l.l, target=.*) drops one trailing ',' from target=, also in the spec xl
        // cd-insert builds: xl would use another file than the one checked here
        if (path[path.Length - 1] == ',')
            throw Invalid("XenInvalidPath", $"The {what} '{Show(path)}' ends with ',': xl drops a trailing comma from a disk target and would use '{Show(path.TrimEnd(','))}' instead. Rename the file.");
        return path;
    }

    /// <summary>A new MAC address in Xen's range (00:16:3e), random in its last three octets.</summary>
    public static string NewMac()
    {
        Span<byte> b = stackalloc byte[3];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return string.Format(CultureInfo.InvariantCulture, "00:16:3e:{0:x2}:{1:x2}:{2:x2}", b[0] & 0x7f, b[1], b[2]);
    }

    private static string Show(string? value) => value is null ? "" : value.Length > 80 ? value.Substring(0, 80) + "..." : value.Replace("\n", "\\n");

    private static XenException Invalid(string id, string message) => new(id, XenErrorKind.InvalidArgument, message);
}
