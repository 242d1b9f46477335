using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Devices;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the network interfaces of domains: of a running domain xl network-list (index, MAC, backend state)
/// merged with its configuration (bridge, ip); of a stopped guest its config file.</summary>
[Cmdlet(VerbsCommon.Get, "XenNetworkAdapter")]
[OutputType(typeof(XenNetworkAdapter))]
public sealed class GetXenNetworkAdapterCommand : XenFanOutCmdlet
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
            var ops = new XenDeviceOperations(xl);
            var all = await xl.ListAsync(ct).ConfigureAwait(false);
            var selected = DomainFilter.Select(all, names, null, out var unmatched).Where(d => d.Id != 0 || names is not null).ToList();
            foreach (var domain in selected)
            {
                var nics = await ops.GetNetworkAdaptersAsync(domain, ct).ConfigureAwait(false);
                Post(() => WriteObject(nics, enumerateCollection: true));
            }
            foreach (var missing in unmatched)
            {
                if (missing is string name && XenDomainName.IsValid(name))
                {
                    var path = await XenPaths.GetDefaultConfigPathAsync(xl.Host, name, ct).ConfigureAwait(false);
                    try
                    {
                        var config = await ops.Store.LoadAsync(path, ct).ConfigureAwait(false);
                        var nics = XenDeviceOperations.AdaptersOf(config, name, xl.Host.ComputerName);
                        Post(() => WriteObject(nics, enumerateCollection: true));
                        continue;
                    }
                    catch (XenException ex) when (ex.ErrorId == "XenConfigNotFound")
                    {
                    }
                }
                Post(() => WriteDomainsNotFound(new[] { missing }, xl.Host.ComputerName));
            }
        });
    }
}
