using System;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the virtual CPUs of domains (xl vcpu-list).</summary>
[Cmdlet(VerbsCommon.Get, "XenVCpu")]
[OutputType(typeof(XenVCpu))]
public sealed class GetXenVCpuCommand : XenCmdlet
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

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var all = Await(xl.VcpuListAsync(Array.Empty<string>(), CancelToken));
        WriteObject(DomainFilter.SelectByDomain(all, v => v.Name, v => v.Id, Name, out var unmatched), enumerateCollection: true);
        WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
    });
}
