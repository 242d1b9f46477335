using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>Tab completion of domain names: runs xl list (on -ComputerName's first host when given) with a short
/// time limit and never throws.</summary>
public sealed class DomainNameCompleter : IArgumentCompleter
{
    internal static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var host = FirstSession(fakeBoundParameters)?.Resolve() ?? XenHostFactory.Create(FirstComputerName(fakeBoundParameters));
            var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            using var cts = new CancellationTokenSource(Limit);
            var domains = new XlClient(host).ListAsync(cts.Token).GetAwaiter().GetResult();
            return domains
                .Where(d => pattern.IsMatch(d.Name))
                .Select(d => new CompletionResult(Quote(d.Name), d.Name, CompletionResultType.ParameterValue,
                    $"{d.Name} (id {d.Id}, {d.MemoryMB} MiB, {d.StateText})"))
                .ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }

    internal static XenHostIdentity? FirstSession(IDictionary bound)
    {
        if (!bound.Contains("Session")) return null;
        var value = bound["Session"] is IEnumerable e and not string ? e.Cast<object?>().FirstOrDefault() : bound["Session"];
        if (value is PSObject p) value = p.BaseObject;
        return value is XenHostSession s ? new XenHostIdentity(s) : null;
    }

    internal static string? FirstComputerName(IDictionary bound)
    {
        if (!bound.Contains("ComputerName")) return null;
        return bound["ComputerName"] switch
        {
            string s => s,
            IEnumerable e => e.Cast<object>().Select(o => o?.ToString()).FirstOrDefault(),
            var o => o?.ToString(),
        };
    }

    internal static string Quote(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || "'\"`$;(){}[]@#&|<>,".IndexOf(c) >= 0) ? "'" + name.Replace("'", "''") + "'" : name;
}
