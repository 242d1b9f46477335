using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;

namespace XenPS.Core.Execution;

/// <summary>The one place where XenPS starts programs: CliWrap, arguments as an array, no shell.</summary>
public sealed class CliWrapCommandRunner : ICommandRunner
{
    public static CliWrapCommandRunner Instance { get; } = new();

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        var path = ToolResolver.Resolve(spec.FileName) ?? throw new XenToolNotFoundException(spec.FileName);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();

        var command = Cli.Wrap(path)
            .WithArguments(spec.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(Target(stdout, spec.OnStandardOutputLine))
            .WithStandardErrorPipe(Target(stderr, spec.OnStandardErrorLine));
        using var endInput = new CancellationTokenSource();
        if (spec.KeepStandardInputOpen)
            command = command.WithStandardInputPipe(HeldOpen(spec.StandardInput ?? string.Empty, endInput.Token));
        else if (spec.StandardInput is not null)
            command = command.WithStandardInputPipe(PipeSource.FromString(spec.StandardInput, new UTF8Encoding(false)));
        if (spec.Environment.Count > 0)
            command = command.WithEnvironmentVariables(spec.Environment.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

        using var timeout = new CancellationTokenSource();
        if (spec.Timeout is { } limit) timeout.CancelAfter(limit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        // Cancelling (Ctrl+C or the time limit) kills the program at once; a program whose input is its lifeline first
        // sees that input end, and gets LifelineGrace to stop by itself (a supervised run stops its remote work), then
        // it is killed, or, with LeaveRunningOnCancel, left to finish on its own.
        using var kill = new CancellationTokenSource();
        var abandoned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onCancel = linked.Token.Register(() =>
        {
            endInput.Cancel();
            // A killed program's pipes can outlive it: an ssh that shares a master connection has handed its standard
            // output and error to the master, which keeps them open until the remote command ends. The call returns
            // KillGrace after the kill whatever the pipes do (the rest is observed in the background).
            if (!spec.KeepStandardInputOpen)
            {
                kill.Cancel();
                _ = Task.Delay(KillGrace).ContinueWith(_ => abandoned.TrySetResult(true), TaskScheduler.Default);
            }
            else if (!spec.LeaveRunningOnCancel)
            {
                kill.CancelAfter(LifelineGrace);
                _ = Task.Delay(LifelineGrace + KillGrace).ContinueWith(_ => abandoned.TrySetResult(true), TaskScheduler.Default);
            }
            else _ = Task.Delay(LifelineGrace).ContinueWith(_ => abandoned.TrySetResult(true), TaskScheduler.Default);
        });
        var watch = Stopwatch.StartNew();
        try
        {
            // CliWrap's net6.0+ build (the module targets net8.0) waits with the runtime's own value-task source. Its
            // netstandard2.0 build, shipped before, carried a polyfill that could lose the wake-up of that wait and
            // never return; a stress run of 12,000 programs stalled 3 times there and never with this build.
            var execution = ResultOf(command.ExecuteAsync(kill.Token));
            if (await Task.WhenAny(execution, abandoned.Task).ConfigureAwait(false) != execution)
            {
                // Left running: its end (and any exception) is observed in the background.
                _ = execution.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                linked.Token.ThrowIfCancellationRequested();
            }
            var result = await execution.ConfigureAwait(false);
            linked.Token.ThrowIfCancellationRequested();
            return new CommandResult(spec.FileName, spec.Arguments, result.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new XenCommandTimeoutException(spec.DisplayText, spec.Timeout ?? TimeSpan.Zero, stdout.ToString(), stderr.ToString());
        }
        catch (Win32Exception ex)
        {
            throw new XenToolNotFoundException(spec.FileName, path, ex);
        }
    }

    private static async Task<CliWrap.CommandResult> ResultOf(CommandTask<CliWrap.CommandResult> execution) => await execution;

    /// <summary>How long a program whose input is its lifeline has to end after the input was closed by a cancellation.</summary>
    internal static TimeSpan LifelineGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a cancelled call waits, after the kill, for the program's pipes to close.</summary>
    internal static TimeSpan KillGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Writes <paramref name="text"/>, then holds the pipe open until CliWrap ends the input (the program exited
    /// or was killed) or <paramref name="end"/> is cancelled: the program's standard input reaches its end only then.</summary>
    private static PipeSource HeldOpen(string text, CancellationToken end) => PipeSource.Create(async (destination, cancellationToken) =>
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        await destination.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, end);
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the program has exited, or the run was cancelled: the input ends here
        }
    });

    /// <summary>Collects a stream into <paramref name="buffer"/> exactly as written, and hands every complete line to
    /// <paramref name="onLine"/> as it arrives. (Written by hand: CliWrap's merged string-builder + delegate targets fail
    /// in its netstandard2.0 build, which this module shipped before net8.0, with "Specified method is not supported".)</summary>
    private static PipeTarget Target(StringBuilder buffer, Action<string>? onLine) =>
        PipeTarget.Create((stream, cancellationToken) => ReadAsync(stream, buffer, onLine, cancellationToken));

    private static async Task ReadAsync(Stream stream, StringBuilder buffer, Action<string>? onLine, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 4096, leaveOpen: true);
        var chunk = new char[4096];
        var line = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            buffer.Append(chunk, 0, read);
            if (onLine is null) continue;
            for (var i = 0; i < read; i++)
            {
                if (chunk[i] != '\n')
                {
                    line.Append(chunk[i]);
                    continue;
                }
                if (line.Length > 0 && line[line.Length - 1] == '\r') line.Length--;
                onLine(line.ToString());
                line.Clear();
            }
        }
        if (onLine is not null && line.Length > 0) onLine(line.ToString());
    }
}
