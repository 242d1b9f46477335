using System.Linq;
using System.Management.Automation;
using XenPS.Core.Autostart;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Lists the guests that start at boot, in start order.</summary>
[Cmdlet(VerbsCommon.Get, "XenDomainAutostart")]
[OutputType(typeof(XenDomainAutostart))]
public sealed class GetXenDomainAutostartCommand : XenCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var all = Await(new XenAutostartManager(xl.Host, Output).ListAsync(CancelToken));
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        WriteObject(all.Where(a => patterns is null || patterns.Any(p => p.IsMatch(a.Name))), enumerateCollection: true);
    });
}
