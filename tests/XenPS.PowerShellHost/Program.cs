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
        AddScriptArguments(ps, args.Skip(1).ToArray());
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

    /// <summary>Binds arguments the way pwsh -File does: "-Name value" is a named parameter, "-Switch" alone (or
    /// followed by another -Name) a switch, "-Name:value" a named value, anything else a positional argument.</summary>
    internal static void AddScriptArguments(PowerShell ps, string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.Length > 1 && arg[0] == '-' && char.IsLetter(arg[1]))
            {
                var colon = arg.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    ps.AddParameter(arg.Substring(1, colon - 1), arg.Substring(colon + 1));
                }
                else if (i + 1 < args.Length && !(args[i + 1].Length > 1 && args[i + 1][0] == '-' && char.IsLetter(args[i + 1][1])))
                {
                    ps.AddParameter(arg.Substring(1), args[++i]);
                }
                else
                {
                    ps.AddParameter(arg.Substring(1));
                }
            }
            else
            {
                ps.AddArgument(arg);
            }
        }
    }
}
