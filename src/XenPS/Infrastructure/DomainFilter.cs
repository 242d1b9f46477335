using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;

namespace XenPS.Infrastructure;

/// <summary>
/// Selects domains by name or id, and reports what matched nothing: a literal name or an id that matches nothing is an
/// error; a wildcard that matches nothing is not. A name is always a name, also when it is all digits (ids come by
/// -Id). Wildcards match without regard to case, as everywhere in PowerShell; a name that is exactly a domain's name
/// is taken literally, even with wildcard characters in it. A literal name:
/// <list type="bullet">
/// <item><see cref="Select"/> (the Get- commands, which change nothing): the domain of exactly that name, else the
/// domains whose name differs only in case (the output shows their real names);</item>
/// <item><see cref="SelectExact"/> (the commands that act on a domain): only the domain of exactly that name. xl names
/// are case-sensitive, and web01 and WEB01 can run side by side: an action never falls back to another case.</item>
/// </list>
/// </summary>
internal static class DomainFilter
{
    public static List<XenDomain> Select(IReadOnlyList<XenDomain> all, string[]? names, int[]? ids, out List<object> unmatched) =>
        Select(all, names, ids, caseFallback: true, out unmatched);

    public static List<XenDomain> SelectExact(IReadOnlyList<XenDomain> all, string[]? names, int[]? ids, out List<object> unmatched) =>
        Select(all, names, ids, caseFallback: false, out unmatched);

    private static List<XenDomain> Select(IReadOnlyList<XenDomain> all, string[]? names, int[]? ids, bool caseFallback, out List<object> unmatched)
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
            // A name that is exactly a domain's name is that domain, also when it holds wildcard characters (a
            // domain made with plain xl may be named "x[1]"; piped from Get-XenDomain, its name must find it).
            if (WildcardPattern.ContainsWildcardCharacters(name) && !all.Any(d => string.Equals(d.Name, name, StringComparison.Ordinal)))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var d in all.Where(d => pattern.IsMatch(d.Name))) Add(d);
                continue;
            }
            var matches = all.Where(d => string.Equals(d.Name, name, StringComparison.Ordinal)).ToList();
            if (matches.Count == 0 && caseFallback) matches = all.Where(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
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

    /// <summary>Selects per-domain items (vCPUs, uptimes) by their domain's name, with the rules of <see cref="Select"/>.</summary>
    public static List<T> SelectByDomain<T>(IReadOnlyList<T> items, Func<T, string> name, Func<T, int> id, string[]? names, out List<object> unmatched)
    {
        var domains = items.GroupBy(id).Select(g => new XenDomain { Name = name(g.First()), Id = g.Key }).ToList();
        var chosen = new HashSet<int>(Select(domains, names, null, out unmatched).Select(d => d.Id));
        return items.Where(i => chosen.Contains(id(i))).ToList();
    }

    /// <summary>Why a literal name found no domain for an action, when a near miss explains it: domains whose name
    /// differs only in case, or (for an all-digit name) the domain with that id. Empty when there is none.</summary>
    public static string NearMisses(IReadOnlyList<XenDomain> all, string name)
    {
        var hints = new List<string>();
        var otherCase = all.Where(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (otherCase.Count > 0)
        {
            hints.Add("xl names are case-sensitive: " + string.Join(", ", otherCase.Select(d => $"{XenDomainName.Display(d.Name)} (id {d.Id})")) +
                      $" differ{(otherCase.Count == 1 ? "s" : string.Empty)} only in case. Give the exact name, or -Id.");
        }
        if (name.Length > 0 && name.All(c => c is >= '0' and <= '9') && int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && all.FirstOrDefault(d => d.Id == id) is { } byId)
            hints.Add($"'{name}' is taken as a name, not an id: to act on the domain with id {id} ({XenDomainName.Display(byId.Name)}), use -Id {id}.");
        return string.Join(" ", hints);
    }
}
