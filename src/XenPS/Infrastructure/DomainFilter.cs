using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure;

/// <summary>Selects domains by name (wildcards, case-insensitive) or id, and reports what matched nothing:
/// a literal name or an id that matches nothing is an error; a wildcard that matches nothing is not.</summary>
internal static class DomainFilter
{
    public static List<XenDomain> Select(IReadOnlyList<XenDomain> all, string[]? names, int[]? ids, out List<object> unmatched)
    {
        unmatched = new List<object>();
        if ((names is null || names.Length == 0) && (ids is null || ids.Length == 0)) return all.ToList();

        var chosen = new List<XenDomain>();
        var seen = new HashSet<int>();
        void Add(XenDomain d)
        {
            if (seen.Add(d.Id)) chosen.Add(d);
        }

        foreach (var name in names ?? Array.Empty<string>())
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var d in all.Where(d => pattern.IsMatch(d.Name))) Add(d);
                continue;
            }
            var matches = all.Where(d => string.Equals(d.Name, name, StringComparison.Ordinal)).ToList();
            if (matches.Count == 0) matches = all.Where(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0) unmatched.Add(name);
            matches.ForEach(Add);
        }

        foreach (var id in ids ?? Array.Empty<int>())
        {
            var match = all.FirstOrDefault(d => d.Id == id);
            if (match is null) unmatched.Add(id);
            else Add(match);
        }
        return chosen;
    }

    /// <summary>Selects per-domain items (vCPUs, uptimes) by their domain's name, with the same rules.</summary>
    public static List<T> SelectByDomain<T>(IReadOnlyList<T> items, Func<T, string> name, Func<T, int> id, string[]? names, out List<object> unmatched)
    {
        var domains = items.GroupBy(id).Select(g => new XenDomain { Name = name(g.First()), Id = g.Key }).ToList();
        var chosen = new HashSet<int>(Select(domains, names, null, out unmatched).Select(d => d.Id));
        return items.Where(i => chosen.Contains(id(i))).ToList();
    }
}
