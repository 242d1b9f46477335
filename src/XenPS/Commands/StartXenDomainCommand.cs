using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Starts domains from their configuration files (xl create).</summary>
[Cmdlet(VerbsLifecycle.Start, "XenDomain", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(XenDomain))]
public sealed class StartXenDomainCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string PathSet = "Path";

    /// <summary>Domain names: their files in the configuration directory (&lt;dir&gt;/&lt;name&gt;.cfg).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Configuration files (XenDomUConfig objects from Get-XenDomUConfig or New-XenDomU -NoStart bind by their Path).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ConfigPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>Create the domain paused (xl create -p); Resume-XenDomain starts it.</summary>
    [Parameter]
    public SwitchParameter Paused { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var store = new XenConfigStore(xl.Host, Output);
        var directory = Path is null ? Await(XenPaths.GetConfigDirectoryAsync(xl.Host, CancelToken)) : null;
        foreach (var item in Path ?? Name!)
        {
            var path = item;
            try
            {
                // A name is a file of the configuration directory: only a name that can name a file (XenDomainName).
                if (Path is null) path = XenPaths.ConfigPathIn(directory!, item);
                // Read it first: a syntax error is reported with its line and column before xl runs.
                var config = Await(store.LoadAsync(path, CancelToken));
                RegisterSecrets(config.SecretValues); // masked in xl -vvv's lines (libxl logs qemu's -spice password)
                var name = config.Name ?? throw new XenException("XenConfigInvalid", XenErrorKind.InvalidData, $"{path} has no name = \"...\" line.");
                // The name in the file names the new domain (and its log files): it must follow the rule.
                XenDomainName.Validate(name, $"The name in {path}");
                // xl names are case-sensitive: only a domain of exactly this name is in the way.
                if (Await(xl.FindByNameAsync(name, CancelToken)) is { } running)
                    throw new XenException("XenDomainExists", XenErrorKind.ResourceExists, $"The domain '{name}' already runs on host '{xl.Host.ComputerName}' (id {running.Id}).");
                var target = $"{name} on {xl.Host.ComputerName}";
                if (!ShouldProcess(target, $"Start (xl create{(Paused ? " -p" : string.Empty)} {path})")) continue;
                var domain = AwaitWithProgress(xl.CreateAsync(path, name, Paused, VerboseRequested, CancelToken), $"Starting {target}", "xl create " + path, null);
                if (PassThru) WriteObject(domain);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, path);
            }
        }
    });
}
