using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace XenPS.PowerShellHost;

/// <summary>
/// Runs a PowerShell script on the real engine with XenPS imported, writing everything through Out-Default to this
/// console, like `pwsh -File script.ps1 args...` would. Exit code: the script's `exit N`, else 1 when it failed.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: XenPS.PowerShellHost <script.ps1> [arguments...]");
            return 2;
        }
        var script = Path.GetFullPath(args[0]);
        if (!File.Exists(script))
        {
            Console.Error.WriteLine($"The script '{script}' does not exist.");
            return 2;
        }

        var host = new CaptureHost(echo: true);
        using var engine = new Engine(host);
        using var ps = PowerShell.Create();
        ps.Runspace = engine.Runspace;
        // Like pwsh -File: run the script with its arguments and send every stream to the host.
        ps.AddCommand(script);
        foreach (var arg in args.Skip(1)) ps.AddArgument(arg);
        ps.AddCommand("Out-Default");
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.All, PipelineResultTypes.Output);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            Console.Error.WriteLine(ex.ErrorRecord?.ToString() ?? ex.Message);
            return host.ExitCode ?? 1;
        }
        return host.ExitCode ?? (ps.HadErrors ? 1 : 0);
    }
}
