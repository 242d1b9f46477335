using System;

namespace XenPS;

/// <summary>A domain saved to a file by Save-XenDomain (xl save); Restore-XenDomain takes it back (by Path and
/// ComputerName).</summary>
public sealed class XenDomainCheckpoint
{
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The name of the domain that was saved.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The file on the host.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The size of the file in bytes, when it could be read.</summary>
    public long? SizeBytes { get; set; }

    public DateTime SavedAt { get; set; }

    /// <summary>True when the domain kept running after the save (-KeepRunning, xl save -c).</summary>
    public bool KeptRunning { get; set; }

    public override string ToString() => Path;
}
