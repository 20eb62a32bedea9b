namespace MimmoServe.Grpc.Server;

public sealed partial class ServerCallContext
{
    // Timers longer than this are not supported by the runtime (uint.MaxValue - 1 ms, about 49 days); such a
    // deadline is as good as none.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private CancellationTokenSource? _deadlineSource;
    private CancellationTokenRegistration _abortRegistration;
    private ITimer? _deadlineTimer;
    private Task? _deadlineTask;
    private bool _disposed;
    private TimeSpan _timeout;

    /// <summary>True once the deadline has passed; the call then ends with DEADLINE_EXCEEDED whatever the handler does.</summary>
    public bool DeadlineExceeded { get; private set; }

    private void StartDeadline(string value)
    {
        if (!Protocol.GrpcTimeout.TryParse(value, out var timeout))
        {
            ServerLog.InvalidTimeout(_services.Logger, Method.FullName, value);
            return;
        }

        if (timeout > MaxTimerDelay)
        {
            return;
        }

        _timeout = timeout;
        Deadline = _services.TimeProvider.GetUtcNow().UtcDateTime + timeout;
        // One source for client abort and deadline, so that the handler sees a single token.
        _deadlineSource = new CancellationTokenSource();
        _abortRegistration = _httpContext.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _deadlineSource);
        CancellationToken = _deadlineSource.Token;
        _deadlineTimer = _services.TimeProvider.CreateTimer(static s => ((ServerCallContext)s!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs on a timer thread. The lock (on the source, which exists only with a deadline) orders it against <see cref="DisposeDeadlineAsync"/>.</summary>
    private void OnDeadline()
    {
        lock (_deadlineSource!)
        {
            if (_disposed)
            {
                return;
            }

            DeadlineExceeded = true;
            _deadlineTask = EndOnDeadlineAsync();
        }
    }

    /// <summary>
    /// Ends the call with DEADLINE_EXCEEDED on time even if the handler ignores cancellation: it claims the
    /// response, writes the status and completes the HTTP/2 stream, then cancels the handler. If the handler
    /// is in the middle of a write, cancelling that write makes the handler end the call itself.
    /// </summary>
    private async Task EndOnDeadlineAsync()
    {
        // Leave the lock and the timer thread before running cancellation callbacks or I/O.
        await Task.Yield();
        ServerLog.DeadlineExceeded(_services.Logger, Method.FullName, _timeout);
        var claimed = Interlocked.CompareExchange(ref _writeState, WriteCompleted, WriteIdle) == WriteIdle;
        if (claimed)
        {
            try
            {
                StatusWriter.Write(_httpContext.Response, _responseHeadersSent, ExceptionStatusTable.DeadlineExceeded, _responseTrailers);
            }
            catch (InvalidOperationException)
            {
                // The handler was changing its trailers at this very moment: reset the stream rather than send half of them.
                _httpContext.Abort();
                claimed = false;
            }
        }

        await _deadlineSource!.CancelAsync().ConfigureAwait(false);
        if (claimed)
        {
            try
            {
                await _httpContext.Response.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The client went away at the same moment; there is nobody left to tell.
            }
        }
    }

    /// <summary>Stops the timer and waits for a deadline ending in progress: the HttpContext is reused after the call.</summary>
    private async ValueTask DisposeDeadlineAsync()
    {
        if (_deadlineSource is null)
        {
            return;
        }

        Task? pending;
        lock (_deadlineSource)
        {
            _disposed = true;
            pending = _deadlineTask;
        }

        if (_deadlineTimer is not null)
        {
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }

        await _abortRegistration.DisposeAsync().ConfigureAwait(false);
        if (pending is not null)
        {
            await pending.ConfigureAwait(false);
        }
    }
}
