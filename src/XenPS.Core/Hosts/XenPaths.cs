using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>Where Xen keeps things on a host. FreeBSD's xen-tools port installs under /usr/local (configs in
/// /usr/local/etc/xen, logs in /var/log/xen); Linux distributions use /etc/xen.</summary>
public static class XenPaths
{
    public const string FreeBsdConfigDirectory = "/usr/local/etc/xen";
    public const string LinuxConfigDirectory = "/etc/xen";
    public const string LogDirectory = "/var/log/xen";

    /// <summary>The directory of Xen's logs on every host: $env:XENPS_XEN_LOG_DIR when set, else /var/log/xen.</summary>
    public static string LogDirectoryPath =>
        Environment.GetEnvironmentVariable("XENPS_XEN_LOG_DIR") is { Length: > 0 } overridden ? overridden.TrimEnd('/') : LogDirectory;

    private static readonly ConcurrentDictionary<string, string> OsByHost = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The operating system of a host as `uname -s` says ("FreeBSD", "Linux"), asked once per host.</summary>
    public static async Task<string> GetOperatingSystemAsync(IXenHost host, CancellationToken cancellationToken)
    {
        if (OsByHost.TryGetValue(host.ComputerName, out var known)) return known;
        var result = await host.RunAsync("uname", new[] { "-s" }, new HostRunOptions { Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        var os = result.ExitCode == 0 ? result.StandardOutput.Trim() : "unknown";
        OsByHost[host.ComputerName] = os;
        return os;
    }

    /// <summary>Records a host's operating system read elsewhere (Connect-XenHost reads it when it opens a session).</summary>
    public static void Remember(string computerName, string operatingSystem)
    {
        if (operatingSystem.Length > 0) OsByHost[computerName] = operatingSystem;
    }

    /// <summary>The directory of domain configuration files: $env:XENPS_XEN_CONFIG_DIR when set, else the platform's.</summary>
    public static async Task<string> GetConfigDirectoryAsync(IXenHost host, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("XENPS_XEN_CONFIG_DIR") is { Length: > 0 } overridden) return overridden.TrimEnd('/');
        var os = await GetOperatingSystemAsync(host, cancellationToken).ConfigureAwait(false);
        return string.Equals(os, "FreeBSD", StringComparison.OrdinalIgnoreCase) ? FreeBsdConfigDirectory : LinuxConfigDirectory;
    }

    /// <summary>The default configuration file of a domain: &lt;config dir&gt;/&lt;name&gt;.cfg. The name must follow
    /// <see cref="XenDomainName"/>'s rule (XenInvalidDomainName otherwise, before the host is asked anything).</summary>
    public static async Task<string> GetDefaultConfigPathAsync(IXenHost host, string name, CancellationToken cancellationToken)
    {
        XenDomainName.Validate(name);
        return ConfigPathIn(await GetConfigDirectoryAsync(host, cancellationToken).ConfigureAwait(false), name);
    }

    /// <summary>&lt;directory&gt;/&lt;name&gt;.cfg, for a name that follows <see cref="XenDomainName"/>'s rule
    /// (XenInvalidDomainName otherwise).</summary>
    public static string ConfigPathIn(string directory, string name)
    {
        XenDomainName.Validate(name);
        return directory.TrimEnd('/') + "/" + name + ".cfg";
    }
}
