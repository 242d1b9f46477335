using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Config;
using XenPS.Core.Devices;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Gets the disks of domains: of a running domain xl block-list (with the backend state) merged with its
/// configuration; of a stopped guest its config file.</summary>
[Cmdlet(VerbsCommon.Get, "XenDomainDisk")]
[OutputType(typeof(XenDomainDisk))]
public sealed class GetXenDomainDiskCommand : XenFanOutCmdlet
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
                var disks = await ops.GetDisksAsync(domain, ct).ConfigureAwait(false);
                Post(() => WriteObject(disks, enumerateCollection: true));
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
                        var disks = XenDeviceOperations.DisksOf(config, name, xl.Host.ComputerName);
                        Post(() => WriteObject(disks, enumerateCollection: true));
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
