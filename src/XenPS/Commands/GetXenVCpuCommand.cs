using System;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the virtual CPUs of domains (xl vcpu-list).</summary>
[Cmdlet(VerbsCommon.Get, "XenVCpu")]
[OutputType(typeof(XenVCpu))]
public sealed class GetXenVCpuCommand : XenFanOutCmdlet
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
            var all = await xl.VcpuListAsync(Array.Empty<string>(), ct).ConfigureAwait(false);
            var selected = DomainFilter.SelectByDomain(all, v => v.Name, v => v.Id, names, out var unmatched);
            Post(() =>
            {
                WriteObject(selected, enumerateCollection: true);
                WriteDomainsNotFound(unmatched, xl.Host.ComputerName);
            });
        });
    }
}
