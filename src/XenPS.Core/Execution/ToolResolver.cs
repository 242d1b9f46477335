using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace XenPS.Core.Execution;

/// <summary>
/// Finds the programs XenPS runs (xl, zfs, sysrc, cap_mkdb, pkg, sysctl, ssh...). Order: the environment
/// variable XENPS_&lt;TOOL&gt;_PATH (for example XENPS_XL_PATH, XENPS_CAP_MKDB_PATH), then every directory of PATH,
/// then the system directories where FreeBSD and Linux keep them and that a non-login PATH may lack.
/// </summary>
public static class ToolResolver
{
    private static readonly string[] FallbackDirectories =
        { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

    /// <summary>The environment variable that overrides the path of <paramref name="tool"/>.</summary>
    public static string OverrideVariable(string tool)
    {
        var sb = new StringBuilder("XENPS_");
        foreach (var c in tool) sb.Append(char.IsLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        return sb.Append("_PATH").ToString();
    }

    /// <summary>Returns the override when set (even if it does not exist: the run will then fail clearly),
    /// else the first executable file found, else null.</summary>
    public static string? Resolve(string tool)
    {
        var overridden = Environment.GetEnvironmentVariable(OverrideVariable(tool));
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        if (tool.IndexOf('/') >= 0) return File.Exists(tool) ? tool : null;
        foreach (var dir in SearchDirectories())
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static IEnumerable<string> SearchDirectories()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries)
            .Concat(FallbackDirectories)
            .Distinct(StringComparer.Ordinal);
    }
}
