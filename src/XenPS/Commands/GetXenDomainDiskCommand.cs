using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Devices;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the disks of domains: of a running domain xl block-list (with the backend state) merged with its
/// configuration; of a stopped guest its config file.</summary>
[Cmdlet(VerbsCommon.Get, "XenDomainDisk")]
[OutputType(typeof(XenDomainDisk))]
public sealed class GetXenDomainDiskCommand : XenDeviceListCmdlet<XenDomainDisk>
{
    protected override Task<List<XenDomainDisk>> ListRunningAsync(XenDeviceOperations ops, XenDomain domain, CancellationToken ct) =>
        ops.GetDisksAsync(domain, ct);

    protected override List<XenDomainDisk> ListConfigured(XenDomUConfig config, string name, string computerName) =>
        XenDeviceOperations.DisksOf(config, name, computerName);
}
