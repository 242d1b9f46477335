using System.Management.Automation;
using XenPS.Core.Config;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Reads domain configuration files (xl.cfg) into XenDomUConfig objects.</summary>
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
        var paths = Path ?? ConfigLocator.Resolve(store, Await(XenPaths.GetConfigDirectoryAsync(xl.Host, CancelToken)), Name, Await).ToArray();
        foreach (var path in paths)
        {
            try
            {
                WriteObject(Await(store.LoadAsync(path, CancelToken)));
            }
            catch (System.Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, path);
            }
        }
    });
}
