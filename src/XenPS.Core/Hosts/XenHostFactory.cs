using System;

namespace XenPS.Core.Hosts;

/// <summary>Turns what a user types for -ComputerName into a host.</summary>
public static class XenHostFactory
{
    /// <summary>Null, empty, "localhost" and "." mean this machine; anything else is an SSH destination.</summary>
    public static bool IsLocal(string? computerName) =>
        string.IsNullOrWhiteSpace(computerName) ||
        string.Equals(computerName, LocalXenHost.LocalName, StringComparison.OrdinalIgnoreCase) ||
        computerName == ".";

    /// <summary>The host for a -ComputerName: this machine, the session of that name (Connect-XenHost) when there is
    /// one and no <paramref name="sshOptions"/> are given, else a new SSH host.</summary>
    public static IXenHost Create(string? computerName, SshOptions? sshOptions = null)
    {
        if (IsLocal(computerName)) return new LocalXenHost();
        if (sshOptions is null && XenHostSessionRegistry.Find(computerName) is { } session) return session.Host;
        var target = SshTarget.Parse(computerName!);
        return new SshXenHost(target, sshOptions, computerName: computerName!.Trim());
    }
}
