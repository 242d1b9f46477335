using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace XenPS.Tests.Hosting;

/// <summary>The result of one script run: output objects and every stream.</summary>
public sealed class RunResult
{
    public RunResult(Collection<PSObject> output, PSDataStreams streams, bool hadErrors)
    {
        Output = output;
        Errors = streams.Error.ToList();
        Warnings = streams.Warning.Select(w => w.Message).ToList();
        Verbose = streams.Verbose.Select(v => v.Message).ToList();
        Debug = streams.Debug.Select(d => d.Message).ToList();
        Information = streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList();
        Progress = streams.Progress.ToList();
        HadErrors = hadErrors;
    }

    public Collection<PSObject> Output { get; }
    public List<ErrorRecord> Errors { get; }
    public List<string> Warnings { get; }
    public List<string> Verbose { get; }
    public List<string> Debug { get; }
    public List<string> Information { get; }
    public List<ProgressRecord> Progress { get; }
    public bool HadErrors { get; }
}

/// <summary>A runspace on the real engine with the built XenPS module imported from its output folder.</summary>
public sealed class Engine : IDisposable
{
    public Engine(CaptureHost? host = null, string? manifest = null, bool importModule = true)
    {
        Host = host ?? new CaptureHost();
        var iss = InitialSessionState.CreateDefault2();
        if (importModule) iss.ImportPSModule(manifest ?? ModuleManifest);
        Runspace = RunspaceFactory.CreateRunspace(Host, iss);
        Runspace.Open();
    }

    /// <summary>output/XenPS/&lt;version&gt;/XenPS.psd1, as built by `dotnet build` (overridable with $env:XENPS_MODULE_MANIFEST).</summary>
    public static string ModuleManifest =>
        Environment.GetEnvironmentVariable("XENPS_MODULE_MANIFEST") is { Length: > 0 } overridden
            ? overridden
            : typeof(Engine).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "XenPSModuleManifest").Value!;

    public CaptureHost Host { get; }

    public Runspace Runspace { get; }

    /// <summary>Runs a script; non-terminating errors land in <see cref="RunResult.Errors"/>, terminating ones throw.</summary>
    public RunResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables) Runspace.SessionStateProxy.SetVariable(name, value);
        }
        ps.AddScript(script);
        var output = ps.Invoke();
        return new RunResult(output, ps.Streams, ps.HadErrors);
    }

    public void Dispose() => Runspace.Dispose();
}
