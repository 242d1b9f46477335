using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Config;

namespace XenPS.Infrastructure;

/// <summary>Turns -Name (wildcards; default directory) or -Path into config file paths on a host.</summary>
internal static class ConfigLocator
{
    /// <summary>Config paths for names: a literal name gives &lt;dir&gt;/&lt;name&gt;.cfg (whether or not it exists, so the
    /// caller reports it; a name that breaks <see cref="Core.XenDomainName"/>'s rule gives its XenInvalidDomainName
    /// error instead, with the name as the target); a wildcard gives the matching files of the directory; no name gives
    /// every file.</summary>
    public static List<(string Target, Exception? Error)> Resolve(XenConfigStore store, string directory, string[]? names, Func<System.Threading.Tasks.Task<IReadOnlyList<string>>, IReadOnlyList<string>> await)
    {
        if (names is null || names.Length == 0) return await(store.ListAsync(directory, System.Threading.CancellationToken.None)).Select(p => (p, (Exception?)null)).ToList();
        var result = new List<(string Target, Exception? Error)>();
        IReadOnlyList<string>? listing = null;
        foreach (var name in names)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                listing ??= await(store.ListAsync(directory, System.Threading.CancellationToken.None));
                var pattern = new WildcardPattern(name + ".cfg", WildcardOptions.IgnoreCase);
                result.AddRange(listing.Where(p => pattern.IsMatch(p.Substring(p.LastIndexOf('/') + 1))).Select(p => (p, (Exception?)null)));
                continue;
            }
            try
            {
                // A literal name is a file of the directory: only a name that can name a file.
                result.Add((Core.Hosts.XenPaths.ConfigPathIn(directory, name), null));
            }
            catch (Core.Execution.XenException ex)
            {
                result.Add((name, ex));
            }
        }
        return result.GroupBy(r => r.Target, StringComparer.Ordinal).Select(g => g.First()).ToList();
    }
}
