using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets a Xen host's hypervisor, CPU and memory facts (xl info).</summary>
[Cmdlet(VerbsCommon.Get, "XenHost")]
[OutputType(typeof(XenHost))]
public sealed class GetXenHostCommand : XenCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl => WriteObject(Await(xl.InfoAsync(CancelToken))));
}
