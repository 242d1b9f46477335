using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core;
using XenPS.Core.Config;
using XenPS.Core.Devices;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Infrastructure;

/// <summary>
/// The device lists of domains (Get-XenDomainDisk, Get-XenNetworkAdapter): of a running domain what xl lists for it
/// (with the backend state) merged with its configuration; of a name that no domain has, the guest's config file
/// (a stopped guest), else one XenDomainNotFound per name. Domain-0 only when named.
/// </summary>
public abstract class XenDeviceListCmdlet<T> : XenFanOutCmdlet
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

    /// <summary>The devices of a running domain, resolved by id.</summary>
    protected abstract Task<List<T>> ListRunningAsync(XenDeviceOperations ops, XenDomain domain, CancellationToken ct);

    /// <summary>The devices a stopped guest's config file names.</summary>
    protected abstract List<T> ListConfigured(XenDomUConfig config, string name, string computerName);

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
                var devices = await ListRunningAsync(ops, domain, ct).ConfigureAwait(false);
                Post(() => WriteObject(devices, enumerateCollection: true));
            }
            foreach (var missing in unmatched)
            {
                // a stopped guest: its config file
                if (missing is string name && XenDomainName.IsValid(name))
                {
                    var path = await XenPaths.GetDefaultConfigPathAsync(xl.Host, name, ct).ConfigureAwait(false);
                    try
                    {
                        var config = await ops.Store.LoadAsync(path, ct).ConfigureAwait(false);
                        var devices = ListConfigured(config, name, xl.Host.ComputerName);
                        Post(() => WriteObject(devices, enumerateCollection: true));
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
