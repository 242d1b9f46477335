using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets a Xen host's hypervisor, CPU and memory facts (xl info).</summary>
[Cmdlet(VerbsCommon.Get, "XenHost")]
[OutputType(typeof(XenHost))]
public sealed class GetXenHostCommand : XenFanOutCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord() => ForEachHostParallel(ComputerName, async (xl, ct) =>
    {
        var info = await xl.InfoAsync(ct).ConfigureAwait(false);
        Post(() => WriteObject(info));
    });
}
