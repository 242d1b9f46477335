using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Devices;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the network interfaces of domains: of a running domain xl network-list (index, MAC, backend state)
/// merged with its configuration (bridge, ip); of a stopped guest its config file.</summary>
[Cmdlet(VerbsCommon.Get, "XenNetworkAdapter")]
[OutputType(typeof(XenNetworkAdapter))]
public sealed class GetXenNetworkAdapterCommand : XenDeviceListCmdlet<XenNetworkAdapter>
{
    protected override Task<List<XenNetworkAdapter>> ListRunningAsync(XenDeviceOperations ops, XenDomain domain, CancellationToken ct) =>
        ops.GetNetworkAdaptersAsync(domain, ct);

    protected override List<XenNetworkAdapter> ListConfigured(XenDomUConfig config, string name, string computerName) =>
        XenDeviceOperations.AdaptersOf(config, name, computerName);
}
