using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure;

/// <summary>Turns values from PowerShell (PSObject wrappers, object[] arrays) into plain .NET values for Core.</summary>
internal static class PowerShellValues
{
    public static object? Unwrap(object? value) => value switch
    {
        null => null,
        PSObject p => Unwrap(p.BaseObject),
        string s => s,
        IEnumerable e => e.Cast<object?>().Select(Unwrap).ToList(),
        _ => value,
    };

    public static Dictionary<string, object?> ToDictionary(Hashtable? table)
    {
        var result = new Dictionary<string, object?>(System.StringComparer.Ordinal);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table) result[entry.Key.ToString()!] = Unwrap(entry.Value);
        return result;
    }
}
