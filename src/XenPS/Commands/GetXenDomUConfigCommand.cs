using System.Linq;
using System.Management.Automation;
using XenPS.Core.Config;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Reads domain configuration files (xl.cfg) into XenDomUConfig objects (passwords never in a property:
/// HasVncPassword, HasSpicePassword).</summary>
[Cmdlet(VerbsCommon.Get, "XenDomUConfig", DefaultParameterSetName = NameSet)]
[OutputType(typeof(XenDomUConfig))]
public sealed class GetXenDomUConfigCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string PathSet = "Path";

    /// <summary>Domain names: their files in the configuration directory (&lt;dir&gt;/&lt;name&gt;.cfg). Wildcards search the directory.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Paths of configuration files on the host.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ConfigPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var store = new XenConfigStore(xl.Host, Output);
        var paths = Path?.Select(p => (Target: p, Error: (System.Exception?)null)).ToList()
            ?? ConfigLocator.Resolve(store, Await(XenPaths.GetConfigDirectoryAsync(xl.Host, CancelToken)), Name, Await);
        foreach (var (path, error) in paths)
        {
            if (error is not null)
            {
                WriteXenError(error, path);
                continue;
            }
            try
            {
                var config = Await(store.LoadAsync(path, CancelToken));
                RegisterSecrets(config.SecretValues);
                // Read as it is; a name XenPS would not start a domain with is said at once (its Validate() has it too).
                if (config.Name is { Length: > 0 } name && Core.XenDomainName.Problem(name) is { } problem)
                    WriteWarning($"The name in {path} ({Core.XenDomainName.Quote(name)}) {problem}: Start-XenDomain refuses it. {Core.XenDomainName.Rule}");
                WriteObject(config);
            }
            catch (System.Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, path);
            }
        }
    });
}
