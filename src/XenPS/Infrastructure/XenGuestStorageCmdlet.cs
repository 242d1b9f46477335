using System;
using System.Management.Automation;
using XenPS.Core.Execution;
using XenPS.Core.Storage;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on a guest's ZFS storage (Checkpoint-XenDomain, Restore- and Remove-XenDomainCheckpoint):
/// guests come by exact name, running or not (Get-XenDomain and Get-XenDomUConfig objects bind Name, ComputerName and
/// Path by property name), each one is looked up by <see cref="GuestStorage.ResolveAsync"/> (the running domain, else its
/// configuration file), and a guest that fails is one non-terminating error whose target is its name.
/// </summary>
public abstract class XenGuestStorageCmdlet : XenCmdlet
{
    /// <summary>The guests (domain names, exact). A guest that is not running is found by its configuration file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The configuration file of a guest that is not running (default: &lt;config dir&gt;/&lt;name&gt;.cfg);
    /// Get-XenDomUConfig objects bind it by their Path.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>Acts on one guest. Throws on failure.</summary>
    protected abstract void Act(XlClient xl, GuestStorage guest);

    protected override void ProcessRecord()
    {
        if (ConfigPath is not null && Name.Length > 1)
        {
            WriteXenError(new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, "-ConfigPath names the file of one guest: give one -Name with it."), ConfigPath);
            return;
        }
        ForEachHost(ComputerName, xl =>
        {
            foreach (var name in Name)
            {
                try
                {
                    Act(xl, Await(GuestStorage.ResolveAsync(xl, name, ConfigPath, needConfig: false, CancelToken)));
                }
                catch (Exception ex) when (!IsStopping(ex))
                {
                    WriteXenError(ex, name);
                }
            }
        });
    }
}
