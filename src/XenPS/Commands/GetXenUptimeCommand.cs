using System;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets how long domains have been running (xl uptime).</summary>
[Cmdlet(VerbsCommon.Get, "XenUptime")]
[OutputType(typeof(XenDomainUptime))]
public sealed class GetXenUptimeCommand : XenFanOutCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var names = Name;
        ForEachHostParallel(ComputerName, async (xl, ct) =>
        {
            var all = await xl.UptimeAsync(Array.Empty<string>(), ct).ConfigureAwait(false);
            var selected = DomainFilter.SelectByDomain(all, u => u.Name, u => u.Id, names, out var unmatched);
            Post(() =>
            {
                WriteObject(selected, enumerateCollection: true);
                WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
            });
        });
    }
}
