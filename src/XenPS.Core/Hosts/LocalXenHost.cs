using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>The machine PowerShell runs on (a Dom0, usually as root).</summary>
public sealed class LocalXenHost : IXenHost
{
    public const string LocalName = "localhost";

    private readonly ICommandRunner _runner;

    public LocalXenHost(ICommandRunner? runner = null) => _runner = runner ?? CliWrapCommandRunner.Instance;

    public string ComputerName => LocalName;

    public bool IsLocal => true;

    public Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, HostRunOptions options, CancellationToken cancellationToken)
    {
        var spec = Spec(tool, arguments, options);
        options.OnCommandLine?.Invoke(spec.DisplayText);
        return _runner.RunAsync(spec, cancellationToken);
    }

    public Task<CommandResult> RunScriptAsync(ShellScript script, HostRunOptions options, CancellationToken cancellationToken)
    {
        var spec = Spec("sh", new[] { "-s" }, options);
        spec.StandardInput = script.Text;
        spec.KeepStandardInputOpen = options.HoldInputOpen;
        spec.LeaveRunningOnCancel = options.HoldInputOpen;
        options.OnCommandLine?.Invoke("sh -s <<script\n" + script.DisplayText.TrimEnd('\n') + "\nscript");
        return _runner.RunAsync(spec, cancellationToken);
    }

    public string Describe(string tool, IReadOnlyList<string> arguments) => new CommandSpec(tool, arguments).DisplayText;

    private static CommandSpec Spec(string tool, IReadOnlyList<string> arguments, HostRunOptions options) => new(tool, arguments)
    {
        Timeout = options.Timeout,
        OnStandardOutputLine = options.OnStandardOutputLine,
        OnStandardErrorLine = options.OnStandardErrorLine,
    };
}
