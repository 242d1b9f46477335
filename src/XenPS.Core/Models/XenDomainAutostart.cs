namespace XenPS;

/// <summary>A guest that starts at boot: its link in the autostart directory.</summary>
public sealed class XenDomainAutostart
{
    public string ComputerName { get; set; } = "localhost";

    public string Name { get; set; } = string.Empty;

    /// <summary>Start order (lower first; stopped in reverse order at shutdown).</summary>
    public int Order { get; set; }

    /// <summary>The configuration file the link points to.</summary>
    public string ConfigPath { get; set; } = string.Empty;

    /// <summary>The link in the autostart directory, e.g. /usr/local/etc/xen/auto/50-web01.cfg.</summary>
    public string LinkPath { get; set; } = string.Empty;

    public bool Enabled { get; set; }
}
