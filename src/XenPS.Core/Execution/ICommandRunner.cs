using System.Threading;
using System.Threading.Tasks;

namespace XenPS.Core.Execution;

/// <summary>Runs one program and collects exit code, standard output and standard error.</summary>
public interface ICommandRunner
{
    /// <exception cref="XenToolNotFoundException">The program could not be started because it does not exist.</exception>
    /// <exception cref="XenCommandTimeoutException">The program ran longer than <see cref="CommandSpec.Timeout"/> and was killed.</exception>
    /// <exception cref="System.OperationCanceledException">The caller cancelled (Ctrl+C); the program was killed.</exception>
    Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken);
}
