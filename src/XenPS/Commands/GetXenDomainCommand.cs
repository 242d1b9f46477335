using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the domains on Xen hosts (xl list; with -Detailed also xl list -l).</summary>
[Cmdlet(VerbsCommon.Get, "XenDomain", DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomain))]
public sealed class GetXenDomainCommand : XenCmdlet
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

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var all = Await(Detailed ? xl.ListDetailedAsync(CancelToken) : xl.ListAsync(CancelToken));
        WriteObject(DomainFilter.Select(all, Name, Id, out var unmatched), enumerateCollection: true);
        WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
    });
}
