using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the domains on Xen hosts (xl list; with -Detailed also xl list -l).</summary>
[Cmdlet(VerbsCommon.Get, "XenDomain", DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class GetXenDomainCommand : XenFanOutCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";

    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DomId", "DomainId")]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord()
    {
        var names = Name;
        var ids = Id;
        var detailed = Detailed.IsPresent;
        ForEachHostParallel(ComputerName, async (xl, ct) =>
        {
            var all = await (detailed ? xl.ListDetailedAsync(ct) : xl.ListAsync(ct)).ConfigureAwait(false);
            var selected = DomainFilter.Select(all, names, ids, out var unmatched);
            Post(() =>
            {
                WriteObject(selected, enumerateCollection: true);
                WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
            });
        });
    }
}
