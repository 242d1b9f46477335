using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using XenPS.Core.Config;
using XenPS.Core.Hosts;

namespace XenPS.Infrastructure;

/// <summary>Tab completion of configuration names for *-XenDomUConfig -Name: the *.cfg files of the host's config
/// directory (on -ComputerName's or -Session's first host when given), stopped guests included; a short time limit,
/// never throws.</summary>
public sealed class ConfigNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var host = DomainNameCompleter.FirstSession(fakeBoundParameters)?.Resolve() ?? XenHostFactory.Create(DomainNameCompleter.FirstComputerName(fakeBoundParameters));
            var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            using var cts = new CancellationTokenSource(DomainNameCompleter.Limit);
            var directory = XenPaths.GetConfigDirectoryAsync(host, cts.Token).GetAwaiter().GetResult();
            var paths = new XenConfigStore(host).ListAsync(directory, cts.Token).GetAwaiter().GetResult();
            return paths
                .Select(p => (Path: p, Name: p.Substring(p.LastIndexOf('/') + 1, p.Length - p.LastIndexOf('/') - 1 - ".cfg".Length)))
                .Where(c => c.Name.Length > 0 && pattern.IsMatch(c.Name))
                .Select(c => new CompletionResult(DomainNameCompleter.Quote(c.Name), c.Name, CompletionResultType.ParameterValue, c.Path))
                .ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }
}
