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

    /// <summary>How long CliWrap may take to report a program that has exited and whose output is read to its end,
    /// before the result is taken from the process itself (see <see cref="ExitCodeAsync"/>).</summary>
    internal static TimeSpan CompletionGrace { get; set; } = TimeSpan.FromSeconds(2);

    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        var path = ToolResolver.Resolve(spec.FileName) ?? throw new XenToolNotFoundException(spec.FileName);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var stdoutRead = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderrRead = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        var command = Cli.Wrap(path)
            .WithArguments(spec.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(Target(stdout, spec.OnStandardOutputLine, stdoutRead))
            .WithStandardErrorPipe(Target(stderr, spec.OnStandardErrorLine, stderrRead));
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
            if (!spec.KeepStandardInputOpen) kill.Cancel();
            else if (!spec.LeaveRunningOnCancel) kill.CancelAfter(LifelineGrace);
            else _ = Task.Delay(LifelineGrace).ContinueWith(_ => abandoned.TrySetResult(true), TaskScheduler.Default);
        });
        var watch = Stopwatch.StartNew();
        try
        {
            Process? process = null;
            var execution = command.ExecuteAsync(null, p => Volatile.Write(ref process, p), kill.Token, CancellationToken.None);
            var exit = ExitCodeAsync(ExitCodeOf(execution), () => Volatile.Read(ref process),
                Task.WhenAll(stdoutRead.Task, stderrRead.Task), CompletionGrace);
            if (await Task.WhenAny(exit, abandoned.Task).ConfigureAwait(false) != exit)
            {
                // Left running: its end (and any exception) is observed in the background.
                _ = exit.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                linked.Token.ThrowIfCancellationRequested();
            }
            var exitCode = await exit.ConfigureAwait(false);
            linked.Token.ThrowIfCancellationRequested();
            return new CommandResult(spec.FileName, spec.Arguments, exitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
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

    /// <summary>How long a program whose input is its lifeline has to end after the input was closed by a cancellation.</summary>
    internal static TimeSpan LifelineGrace { get; set; } = TimeSpan.FromSeconds(5);

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

    private static async Task<int> ExitCodeOf(CommandTask<CliWrap.CommandResult> execution) => (await execution).ExitCode;

    /// <summary>
    /// The exit code of a run, even when CliWrap never reports it. CliWrap's netstandard2.0 build (the one this module
    /// ships) waits for the process and its pipes through a polyfilled Task.WhenEach whose value-task source creates its
    /// TaskCompletionSource lazily without a lock (PolyShim's ManualResetValueTaskSourceCore): when the producer and the
    /// awaiting consumer meet there, each makes its own, the wake-up is lost, and ExecuteAsync never returns (seen in a
    /// test run: the program long gone, its pipes read to the end, every task done but the await). So once the program
    /// has exited and both pipes are read, CliWrap has <paramref name="grace"/> to report, then the exit code is read from
    /// the process itself.
    /// </summary>
    internal static async Task<int> ExitCodeAsync(Task<int> execution, Func<Process?> process, Task pipesRead, TimeSpan grace)
    {
        await Task.WhenAny(execution, pipesRead).ConfigureAwait(false);
        Stopwatch? exitedFor = null;
        while (!execution.IsCompleted)
        {
            if (pipesRead.IsCompleted && process() is { } p && HasExited(p))
            {
                exitedFor ??= Stopwatch.StartNew();
                if (exitedFor.Elapsed >= grace)
                {
                    // The abandoned task's exception, if it ever has one, is observed here.
                    _ = execution.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    return p.ExitCode;
                }
            }
            await Task.WhenAny(execution, Task.Delay(TimeSpan.FromMilliseconds(100))).ConfigureAwait(false);
        }
        return await execution.ConfigureAwait(false);
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Collects a stream into <paramref name="buffer"/> exactly as written, and hands every complete line to
    /// <paramref name="onLine"/> as it arrives. (Written by hand: CliWrap's merged string-builder + delegate targets fail
    /// in its netstandard2.0 build, the one this module ships, with "Specified method is not supported".)</summary>
    private static PipeTarget Target(StringBuilder buffer, Action<string>? onLine, TaskCompletionSource<bool> read) => PipeTarget.Create(async (stream, cancellationToken) =>
    {
        try
        {
            await ReadAsync(stream, buffer, onLine, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            read.TrySetResult(true);
        }
    });

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
