using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CommandResult = XenPS.Core.Execution.CommandResult;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>
/// A persistent remote shell for the read-only queries of a session (xl list, xl list -l, xl info...): one
/// "ssh HOST /bin/sh -s" (through the session's master connection) that runs one script after the other, so a query
/// costs neither a new ssh process here nor a new SSH session, login shell and sh there: a write on a pipe and a
/// subshell. Each script is exactly the text "/bin/sh -s" would get, run in a subshell "( eval ... ) &lt;/dev/null", so
/// no state passes from one to the next and nothing reads the channel.
/// <para>
/// Protocol, all from <see cref="LoopScript"/>: at the start, once sh announced itself (so that it cannot read ahead
/// into a request), it execs a second sh with the loop as its -c argument, which prints a ready line. A request is a
/// line holding a random id, the script's lines, and the id again; the answer is the script's standard output followed
/// by "\nID EXITCODE\n", and its standard error followed by "\nID\n". The id is new for every request, so no output
/// can forge the end of an answer. A request that runs out of time or is cancelled kills the channel (as killing
/// ssh does for a run of its own); the next query opens a new one.
/// </para>
/// </summary>
internal sealed class SshQueryChannel : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(false);

    private readonly object _lock = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly Queue<string?> _input = new();
    private readonly SemaphoreSlim _inputReady = new(0);
    private readonly TaskCompletionSource<bool> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _ready = "xenps-ready-" + Guid.NewGuid().ToString("N");
    private TaskCompletionSource<bool>? _answered;
    private string? _id;
    private bool _disposed;
    private Timer? _idleTimer;

    private SshQueryChannel()
    {
    }

    /// <summary>True once the program has ended or the channel was disposed: it can no longer be used.</summary>
    public bool IsClosed => _closed.Task.IsCompleted || _disposed;

    /// <summary>The loop that runs on the host: reads requests, runs each in a subshell, frames the answers.</summary>
    internal static ShellScript LoopScript(string ready) => new ShellScript()
        .Line($"xenps_nl='")
        .Line($"'")
        .Line($"printf '%s\\n' {ready}")
        .Line($"while IFS= read -r xenps_id; do")
        .Line($"  xenps_script=")
        .Line($"  while :; do")
        .Line($"    IFS= read -r xenps_line || exit 0")
        .Line($"    [ \"$xenps_line\" = \"$xenps_id\" ] && break")
        .Line($"    xenps_script=\"$xenps_script$xenps_line$xenps_nl\"")
        .Line($"  done")
        .Line($"  ( eval \"$xenps_script\" ) </dev/null")
        .Line($"  xenps_rc=$?")
        .Line($"  printf '\\n%s %s\\n' \"$xenps_id\" \"$xenps_rc\"")
        .Line($"  printf '\\n%s\\n' \"$xenps_id\" >&2")
        .Line($"done");

    /// <summary>What the channel's program gets first on its standard input: <paramref name="prelude"/>, then exec of a
    /// new sh that runs the loop (as its -c argument: nothing of the loop is read from the channel).</summary>
    internal static ShellScript Bootstrap(ShellScript prelude, string ready) =>
        prelude.Append(ShellScript.Of($"exec /bin/sh -c {LoopScript(ready)}"));

    /// <summary>Starts <paramref name="program"/> (ssh with its arguments; in tests a local sh) and waits for the
    /// loop's ready line. Returns null when the program ends first (the caller then runs the query on its own, which
    /// reports why the host cannot be reached).</summary>
    public static async Task<SshQueryChannel?> OpenAsync(string program, IReadOnlyList<string> arguments, ShellScript prelude,
        TimeSpan? timeout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var channel = new SshQueryChannel();
        var path = ToolResolver.Resolve(program) ?? throw new XenToolNotFoundException(program);
        var command = Cli.Wrap(path)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(PipeSource.Create(channel.WriteInputAsync))
            .WithStandardOutputPipe(PipeTarget.Create((s, ct) => channel.ReadAsync(s, channel._stdout)))
            .WithStandardErrorPipe(PipeTarget.Create((s, ct) => channel.ReadAsync(s, channel._stderr)));
        if (environment is not null) command = command.WithEnvironmentVariables(environment);
        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (channel._lock) channel._answered = answered;
        try
        {
            var execution = command.ExecuteAsync(CancellationToken.None, channel._kill.Token);
            _ = ((Task)execution.Task).ContinueWith(_ => channel.Close(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new XenToolNotFoundException(program, path, ex);
        }
        channel.Send(Bootstrap(prelude, channel._ready).Text);
        bool ready;
        try
        {
            ready = await channel.WaitAsync(answered.Task, timeout, cancellationToken).ConfigureAwait(false) && answered.Task.Result;
        }
        catch (OperationCanceledException)
        {
            channel.Dispose();
            throw;
        }
        if (!ready)
        {
            channel.Dispose();
            return null;
        }
        return channel;
    }

    /// <summary>Runs one script (its full text, as "/bin/sh -s" would get it). Returns null when the channel ended
    /// before the answer was complete (the caller may run a query again on its own); throws
    /// <see cref="XenCommandTimeoutException"/> when <paramref name="timeout"/> passes (the channel is then killed).</summary>
    public async Task<CommandResult?> RunAsync(string scriptText, string displayText, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var id = "xenps-q-" + Guid.NewGuid().ToString("N");
        // An id that is in the script would end the request early (it cannot happen: the id is random and new).
        if (scriptText.IndexOf(id, StringComparison.Ordinal) >= 0) throw new InvalidOperationException("request id collision");
        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (IsClosed) return null;
            _idleTimer?.Dispose();
            _idleTimer = null;
            _stdout.Clear();
            _stderr.Clear();
            _id = id;
            _answered = answered;
        }
        var watch = Stopwatch.StartNew();
        var text = new StringBuilder(scriptText.Length + (2 * id.Length) + 3).Append(id).Append('\n').Append(scriptText);
        if (scriptText.Length > 0 && scriptText[scriptText.Length - 1] != '\n') text.Append('\n');
        Send(text.Append(id).Append('\n').ToString());
        bool done;
        try
        {
            done = await WaitAsync(answered.Task, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Dispose();
            throw;
        }
        lock (_lock)
        {
            if (!done)
            {
                var (partialOut, partialErr) = (_stdout.ToString(), _stderr.ToString());
                Dispose();
                throw new XenCommandTimeoutException(displayText, timeout ?? TimeSpan.Zero, partialOut, partialErr);
            }
            if (!answered.Task.Result) return null;
            var stdout = _stdout.ToString();
            var stderr = _stderr.ToString();
            var outEnd = stdout.LastIndexOf("\n" + id + " ", StringComparison.Ordinal);
            var exitCode = int.Parse(stdout.Substring(outEnd + id.Length + 2).TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture);
            var errEnd = stderr.Length - id.Length - 2;
            _id = null;
            return new CommandResult("ssh", Array.Empty<string>(), exitCode, stdout.Substring(0, outEnd), stderr.Substring(0, errEnd), watch.Elapsed);
        }
    }

    /// <summary>Closes the channel after <paramref name="idle"/> unless it is used before.</summary>
    public void CloseWhenIdleFor(TimeSpan idle)
    {
        lock (_lock)
        {
            if (IsClosed) return;
            _idleTimer?.Dispose();
            _idleTimer = new Timer(_ => Dispose(), null, idle, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Waits for an answer; false when the time ran out. Throws when cancelled.</summary>
    private async Task<bool> WaitAsync(Task answered, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = Task.Delay(timeout ?? Timeout.InfiniteTimeSpan, delay.Token);
        var first = await Task.WhenAny(answered, limit).ConfigureAwait(false);
        delay.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
        return first == answered;
    }

    private void Send(string text)
    {
        lock (_input) _input.Enqueue(text);
        _inputReady.Release();
    }

    private async Task WriteInputAsync(Stream destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _inputReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            string? text;
            lock (_input) text = _input.Dequeue();
            if (text is null) return; // closes the program's standard input: the loop ends
            var bytes = Utf8.GetBytes(text);
            await destination.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadAsync(Stream stream, StringBuilder buffer)
    {
        try
        {
            using var reader = new StreamReader(stream, Utf8, false, 4096, leaveOpen: true);
            var chunk = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false)) > 0)
            {
                lock (_lock)
                {
                    buffer.Append(chunk, 0, read);
                    CheckAnswered();
                }
            }
        }
        catch (IOException)
        {
            // the program was killed
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Completes the waiting request once both streams carry its end (called under the lock).</summary>
    private void CheckAnswered()
    {
        if (_answered is null) return;
        if (_id is null)
        {
            if (EndsWith(_stdout, _ready + "\n"))
            {
                _stdout.Clear();
                _answered.TrySetResult(true);
            }
            return;
        }
        if (!EndsWith(_stderr, "\n" + _id + "\n")) return;
        var tail = "\n" + _id + " ";
        var at = LastIndexOf(_stdout, tail);
        if (at < 0 || _stdout[_stdout.Length - 1] != '\n') return;
        for (var i = at + tail.Length; i < _stdout.Length - 1; i++)
        {
            if (_stdout[i] < '0' || _stdout[i] > '9') return;
        }
        if (at + tail.Length == _stdout.Length - 1) return; // no digits yet
        _answered.TrySetResult(true);
    }

    private static bool EndsWith(StringBuilder sb, string value)
    {
        if (sb.Length < value.Length) return false;
        for (var i = 0; i < value.Length; i++)
        {
            if (sb[sb.Length - value.Length + i] != value[i]) return false;
        }
        return true;
    }

    /// <summary>The last occurrence of <paramref name="value"/> near the end (where an answer's end line is), or -1.</summary>
    private static int LastIndexOf(StringBuilder sb, string value)
    {
        var from = Math.Max(0, sb.Length - value.Length - 24);
        for (var i = sb.Length - value.Length; i >= from; i--)
        {
            var match = true;
            for (var j = 0; j < value.Length && match; j++) match = sb[i + j] == value[j];
            if (match) return i;
        }
        return -1;
    }

    /// <summary>The program ended (or its output did): a waiting request gets no answer.</summary>
    private void Close()
    {
        lock (_lock)
        {
            _closed.TrySetResult(true);
            _answered?.TrySetResult(false);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _idleTimer?.Dispose();
            _idleTimer = null;
        }
        Send(null!);
        try
        {
            _kill.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Close();
    }
}
