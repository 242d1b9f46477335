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
    /// caller reports it); a wildcard gives the matching files of the directory; no name gives every file.</summary>
    public static List<string> Resolve(XenConfigStore store, string directory, string[]? names, Func<System.Threading.Tasks.Task<IReadOnlyList<string>>, IReadOnlyList<string>> await)
    {
        if (names is null || names.Length == 0) return await(store.ListAsync(directory, System.Threading.CancellationToken.None)).ToList();
        var result = new List<string>();
        IReadOnlyList<string>? listing = null;
        foreach (var name in names)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                listing ??= await(store.ListAsync(directory, System.Threading.CancellationToken.None));
                var pattern = new WildcardPattern(name + ".cfg", WildcardOptions.IgnoreCase);
                result.AddRange(listing.Where(p => pattern.IsMatch(p.Substring(p.LastIndexOf('/') + 1))));
            }
            else
            {
                result.Add(directory.TrimEnd('/') + "/" + name + ".cfg");
            }
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }
}
