using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>
/// The base of every XenPS cmdlet (the host-facing ones derive from <see cref="XenCmdlet"/>). Owns a cancellation token that Ctrl+C (StopProcessing) cancels, which kills the
/// programs being run. Work runs on tasks; everything they want to write (Verbose, Debug, Warning, objects,
/// progress) is queued and written here, on the pipeline thread, while the cmdlet waits (PowerShell only accepts
/// writes from that thread).
/// </summary>
public abstract class XenCmdletBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly BlockingCollection<Action> _pending = new();
    private readonly ConcurrentDictionary<string, bool> _secrets = new(StringComparer.Ordinal);
    private bool _disposed;

    protected XenCmdletBase() => Output = new QueuedOutput(this);

    // ---------------------------------------------------------------- secrets
    // Every text this cmdlet writes (Verbose, Debug, Warning, progress, ShouldProcess/-WhatIf, errors) passes through
    // SecretRedactor: the passwords it recognises, and the values registered here (a -VncPassword, the passwords of
    // a config file read), are masked. Core masks at the source too; this is the last line.

    /// <summary>Values that must never be shown by this cmdlet (safe from any thread).</summary>
    protected void RegisterSecrets(IEnumerable<string>? values)
    {
        if (values is null) return;
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value)) _secrets.TryAdd(value, true);
        }
    }

    /// <summary>The text with every secret masked.</summary>
    protected internal string Redact(string? text) => SecretRedactor.Redact(text, _secrets.IsEmpty ? null : _secrets.Keys);

    /// <summary>Writes to Verbose, secrets masked.</summary>
    protected new void WriteVerbose(string text) => base.WriteVerbose(Redact(text));

    /// <summary>Writes to Debug, secrets masked.</summary>
    protected new void WriteDebug(string text) => base.WriteDebug(Redact(text));

    /// <summary>Writes a warning, secrets masked.</summary>
    protected new void WriteWarning(string text) => base.WriteWarning(Redact(text));

    /// <summary>Writes a progress record, secrets masked in its texts.</summary>
    protected new void WriteProgress(ProgressRecord record)
    {
        record.Activity = Redact(record.Activity);
        record.StatusDescription = Redact(record.StatusDescription);
        if (record.CurrentOperation is not null) record.CurrentOperation = Redact(record.CurrentOperation);
        base.WriteProgress(record);
    }

    /// <summary>ShouldProcess (-WhatIf text, -Confirm question) with secrets masked.</summary>
    protected new bool ShouldProcess(string target, string action) => base.ShouldProcess(Redact(target), Redact(action));

    /// <summary>ShouldProcess (-WhatIf text, -Confirm question) with secrets masked.</summary>
    protected new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption) =>
        base.ShouldProcess(Redact(verboseDescription), Redact(verboseWarning), Redact(caption));

    /// <summary>Writes an error, secrets masked (see <see cref="ToErrorRecord"/>).</summary>
    protected new void WriteError(ErrorRecord record) => base.WriteError(RedactRecord(record));

    /// <summary>Throws a terminating error, secrets masked.</summary>
    protected new void ThrowTerminatingError(ErrorRecord record) => base.ThrowTerminatingError(RedactRecord(record));

    /// <summary>An error record whose texts hold no secret: when the exception's message (or an inner one's) would show
    /// one, the record carries a XenException with the masked message instead (same id and category, no inner
    /// exception, so that Export-Clixml of $Error cannot carry it either).</summary>
    private ErrorRecord RedactRecord(ErrorRecord record)
    {
        var exception = record.Exception;
        var leaks = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (Redact(e.Message) != e.Message) leaks = true;
        }
        var details = record.ErrorDetails;
        if (!leaks && (details is null || (Redact(details.Message) == details.Message && Redact(details.RecommendedAction) == (details.RecommendedAction ?? string.Empty))))
            return record;
        static string? Keep(string? text, Func<string?, string> redact) => text is null ? null : redact(text);
        var xen = exception as XenException;
        var safe = new XenException(xen?.ErrorId ?? record.FullyQualifiedErrorId.Split(',')[0], ParseKind(record.CategoryInfo.Category), Redact(exception.Message))
        {
            ComputerName = xen?.ComputerName,
            RecommendedAction = Keep(xen?.RecommendedAction, Redact),
        };
        var errorId = record.FullyQualifiedErrorId.Split(',')[0];
        var result = new ErrorRecord(safe, errorId, record.CategoryInfo.Category, record.TargetObject);
        if (details is not null) result.ErrorDetails = new ErrorDetails(Redact(details.Message)) { RecommendedAction = Keep(details.RecommendedAction, Redact) };
        return result;
    }

    /// <summary>Cancelled when the user presses Ctrl+C.</summary>
    protected CancellationToken CancelToken => _cancel.Token;

    /// <summary>A thread-safe sink for Core's Verbose, Debug and Warning text.</summary>
    protected IXenOutput Output { get; }

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Queues an action to run on the pipeline thread during the next <see cref="Await{T}"/>. Safe from any thread.</summary>
    protected void Post(Action action)
    {
        try
        {
            _pending.Add(action);
        }
        catch (ObjectDisposedException)
        {
            // the cmdlet has finished; late output is dropped
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Waits for a task on the pipeline thread, writing what it queued meanwhile. Rethrows its exception.</summary>
    protected T Await<T>(Task<T> task)
    {
        // Wake the pump the moment the task ends, so waiting costs no polling delay.
        task.ContinueWith(_ => Post(Nothing), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            RunPending(_pending.Take());
        }
        Drain();
        return task.GetAwaiter().GetResult();
    }

    private static void Nothing() { }

    protected void Await(Task task) => Await(WrapVoid(task));

    private static int _nextActivityId = 1;

    /// <summary>Waits for a task while showing a Write-Progress bar that advances every second (percent of
    /// <paramref name="limit"/> when given), and removes the bar at the end.</summary>
    protected T AwaitWithProgress<T>(Task<T> task, string activity, string status, TimeSpan? limit)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        return AwaitWithProgress(task, activity, () => (status,
            limit is { } l && l > TimeSpan.Zero ? (int)Math.Min(99, watch.Elapsed.TotalMilliseconds * 100 / l.TotalMilliseconds) : -1));
    }

    protected void AwaitWithProgress(Task task, string activity, string status, TimeSpan? limit) =>
        AwaitWithProgress(WrapVoid(task), activity, status, limit);

    /// <summary>Waits for a task while showing a Write-Progress bar whose status and percentage come from the work
    /// itself (<paramref name="progress"/> is read on the pipeline thread every second and whenever
    /// <see cref="ReportProgress"/> is called), and removes the bar at the end.</summary>
    protected T AwaitWithProgress<T>(Task<T> task, string activity, Func<(string Status, int Percent)> progress)
    {
        var id = Interlocked.Increment(ref _nextActivityId);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var finished = false;
        void Report()
        {
            if (finished) return;
            var (status, percent) = progress();
            // A negative percentage: none known, the bar only shows the status and the time waited.
            WriteProgress(new ProgressRecord(id, activity, $"{status} ({watch.Elapsed.TotalSeconds:0} s)") { PercentComplete = percent < 0 ? -1 : Math.Min(100, percent) });
        }
        _reportProgress = () => Post(Report);
        Report();
        using var timer = new Timer(_ => Post(Report), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            return Await(task);
        }
        finally
        {
            timer.Dispose();
            _reportProgress = null;
            finished = true;
            Drain();
            WriteProgress(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private Action? _reportProgress;

    /// <summary>Asks for the progress bar of <see cref="AwaitWithProgress{T}(Task{T}, string, Func{ValueTuple{string, int}})"/>
    /// to be redrawn now. Safe from any thread.</summary>
    protected void ReportProgress() => _reportProgress?.Invoke();

    /// <summary>Writes everything queued so far.</summary>
    protected void Drain()
    {
        while (_pending.TryTake(out var action)) RunPending(action);
    }

    /// <summary>Runs one queued write. Once Ctrl+C stopped the pipeline every write throws PipelineStoppedException:
    /// it is dropped, and the wait goes on, so that the work can finish undoing what it did before the command ends
    /// (a rollback must not be cut off by its own progress bar).</summary>
    private void RunPending(Action action)
    {
        try
        {
            action();
        }
        catch (PipelineStoppedException) when (CancelToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> WrapVoid(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    /// <summary>True when the user asked for Verbose output (-Verbose, or $VerbosePreference = 'Continue'): xl then
    /// runs with -vvv and its libxl debug lines are streamed to the Verbose stream.</summary>
    protected bool VerboseRequested =>
        MyInvocation.BoundParameters.TryGetValue("Verbose", out var v) ? v is SwitchParameter { IsPresent: true } || v is true
            : GetVariableValue("VerbosePreference") is ActionPreference.Continue;

    /// <summary>An xl client for a host whose Verbose/Debug output goes to this cmdlet.</summary>
    protected XlClient Xl(IXenHost host) => new(host, Output);

    /// <summary>Runs <paramref name="work"/> for every item on tasks, at most <paramref name="throttleLimit"/> at once,
    /// each within <paramref name="limit"/> (a linked token that kills its programs when the time is up), and waits for
    /// all of them on the pipeline thread while writing what they <see cref="Post"/>. An item that fails or runs out of
    /// time is one non-terminating error whose target is <paramref name="target"/>; an item that comes with an
    /// <paramref name="error"/> is that error at once. Ctrl+C, or a pipeline stopped downstream (Select-Object -First),
    /// stops every item still running.</summary>
    protected void RunParallel<T>(IReadOnlyList<T> items, Func<T, string> target, Func<T, Exception?> error, Func<T, CancellationToken, Task> work,
        int throttleLimit, TimeSpan limit, string limitName)
    {
        using var throttle = new SemaphoreSlim(throttleLimit);
        using var all = CancellationTokenSource.CreateLinkedTokenSource(CancelToken);

        // Started in the order given (so -ThrottleLimit 1 goes host by host, in order); each releases its slot at the end.
        async Task RunOne(T item, string name)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(all.Token);
                timeout.CancelAfter(limit);
                try
                {
                    await work(item, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!all.IsCancellationRequested)
                {
                    var reported = timeout.IsCancellationRequested && (ex is OperationCanceledException || ex is XenCommandTimeoutException)
                        ? new XenException("XenHostTimeout", XenErrorKind.OperationTimeout,
                            $"Host '{name}' did not answer within {limit.TotalSeconds:0} s ({limitName}): its commands were stopped.", ex) { ComputerName = name }
                        : ex;
                    Post(() => WriteXenError(reported, name));
                }
            }
            finally
            {
                throttle.Release();
            }
        }

        var running = new List<Task>();
        async Task Dispatch()
        {
            foreach (var item in items)
            {
                var name = target(item);
                if (error(item) is { } known)
                {
                    Post(() => WriteXenError(known, name));
                    continue;
                }
                await throttle.WaitAsync(all.Token).ConfigureAwait(false);
                lock (running) running.Add(Task.Run(() => RunOne(item, name)));
            }
            Task[] started;
            lock (running) started = running.ToArray();
            await Task.WhenAll(started).ConfigureAwait(false);
        }

        var dispatcher = Task.Run(Dispatch);
        try
        {
            Await(dispatcher);
        }
        finally
        {
            if (!dispatcher.IsCompleted)
            {
                all.Cancel();
                try
                {
                    Task[] started;
                    lock (running) started = running.ToArray();
                    Task.WaitAll(started.Append(dispatcher).ToArray(), TimeSpan.FromSeconds(10));
                }
                catch (AggregateException)
                {
                    // cancelled, as asked
                }
            }
        }
    }

    /// <summary>One ObjectNotFound error per name or id that matched no domain.</summary>
    protected void WriteDomainsNotFound(IEnumerable<object> unmatched, string computerName)
    {
        foreach (var missing in unmatched)
        {
            WriteXenError("XenDomainNotFound", ErrorCategory.ObjectNotFound,
                $"No domain with {(missing is int ? "id" : "name")} {(missing is string name ? Core.XenDomainName.Quote(name) : $"'{missing}'")} exists on host '{computerName}'.", missing);
        }
    }

    /// <summary>Builds the ErrorRecord for a failure: stable id, the category Core chose, the given target.</summary>
    protected static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate) exception = aggregate.InnerExceptions[0];
        return exception switch
        {
            XenException xen => WithDetails(new ErrorRecord(xen, xen.ErrorId, ToCategory(xen.Kind), target), xen),
            OperationCanceledException => new ErrorRecord(exception, "XenOperationCancelled", ErrorCategory.OperationStopped, target),
            ArgumentException => new ErrorRecord(exception, "XenInvalidArgument", ErrorCategory.InvalidArgument, target),
            _ => new ErrorRecord(exception, "XenUnexpectedError", ErrorCategory.NotSpecified, target),
        };
    }

    private static ErrorRecord WithDetails(ErrorRecord record, XenException exception)
    {
        if (exception.RecommendedAction is { } action) record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
        return record;
    }

    protected static ErrorCategory ToCategory(XenErrorKind kind) =>
        Enum.TryParse<ErrorCategory>(kind.ToString(), out var category) ? category : ErrorCategory.NotSpecified;

    /// <summary>A non-terminating error for one item; the pipeline goes on with the next one.</summary>
    protected void WriteXenError(Exception exception, object? target) => WriteError(ToErrorRecord(exception, target));

    protected void WriteXenError(string errorId, ErrorCategory category, string message, object? target) =>
        WriteError(new ErrorRecord(new XenException(errorId, ParseKind(category), message), errorId, category, target));

    protected void ThrowXenError(Exception exception, object? target) => ThrowTerminatingError(ToErrorRecord(exception, target));

    private static XenErrorKind ParseKind(ErrorCategory category) =>
        Enum.TryParse<XenErrorKind>(category.ToString(), out var kind) ? kind : XenErrorKind.NotSpecified;

    /// <summary>True when the exception is the user's Ctrl+C: the cmdlet should stop quietly.</summary>
    protected bool IsStopping(Exception exception) =>
        exception is PipelineStoppedException ||
        (CancelToken.IsCancellationRequested && (exception is OperationCanceledException || exception.InnerException is OperationCanceledException));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing)
        {
            _cancel.Dispose();
            _pending.Dispose();
        }
        _disposed = true;
    }

    private sealed class QueuedOutput : IXenOutput
    {
        private readonly XenCmdletBase _cmdlet;

        public QueuedOutput(XenCmdletBase cmdlet) => _cmdlet = cmdlet;

        public void WriteVerbose(string text) => _cmdlet.Post(() => _cmdlet.WriteVerbose(text));

        public void WriteDebug(string text) => _cmdlet.Post(() => _cmdlet.WriteDebug(text));

        public void WriteWarning(string text) => _cmdlet.Post(() => _cmdlet.WriteWarning(text));
        // (each of these is the cmdlet's own masking WriteVerbose/WriteDebug/WriteWarning)
    }
}
