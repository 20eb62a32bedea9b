using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Mapping;

namespace MimmoServe.Server.Services;

/// <summary>
/// One PredictStream call. The reader submits each request to the repository as it arrives (so one stream's
/// requests share runs with each other and with other callers) and a single writer sends each response as soon as
/// its prediction completes: responses come out of order, paired by <c>id</c>. At most <c>maxInFlight</c> requests
/// are queued, running or waiting to be written; the reader stops reading until one is written, so a client that
/// sends faster than the model serves is slowed by HTTP/2 flow control rather than refused.
/// <para>A request that is refused (bad input, unknown model, full queue) or fails ends the stream with that status,
/// its message naming the request's id, after the responses of the requests accepted before it; requests after it
/// are not read. When shutdown begins the stream stops reading, answers what it accepted and ends UNAVAILABLE.</para>
/// </summary>
/// <remarks>Threading: the reader runs on the handler's flow, the writer on its own task; they share the
/// completion channel, the semaphore and the first failure (set once, by compare-exchange).</remarks>
internal sealed class PredictStreamSession
{
    private static readonly Status ShuttingDown = new(StatusCode.Unavailable, "The server is shutting down; requests not answered on this stream were not run.");

    private readonly ModelHost _host;
    private readonly ServerCallContext _context;
    private readonly ILogger _logger;
    private readonly Action<string> _authorize;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<(string Id, Task<Prediction> Task, RequestScope Call)> _completed =
        Channel.CreateUnbounded<(string, Task<Prediction>, RequestScope)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopReading;
    private RpcException? _failure;

    // 1 for the reader itself plus one per accepted request not yet completed; whoever brings it to 0 closes the channel.
    private int _pending = 1;

    /// <param name="authorize">Throws when the call's token may not use the model a request names.</param>
    public PredictStreamSession(ModelHost host, int maxInFlight, ServerCallContext context, ILogger logger, Action<string> authorize)
    {
        _host = host;
        _authorize = authorize;
        _context = context;
        _logger = logger;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, host.Stopping);
    }

    /// <summary>Records each request of the stream: its metrics and its span, a child of the call's <c>traceparent</c>.</summary>
    public required RequestTelemetry Telemetry { get; init; }

    public async Task RunAsync(IAsyncStreamReader<PredictRequest> requests, IServerStreamWriter<PredictResponse> responses)
    {
        var writer = WriteAsync(responses);
        var readToEnd = false;
        try
        {
            readToEnd = await ReadAsync(requests).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }

        await writer.ConfigureAwait(false);
        _stopReading.Dispose();
        if (_failure is not null)
        {
            throw _failure;
        }

        if (!readToEnd)
        {
            // Reading stopped without a failure of its own: shutdown began (a client that left gets no status anyway).
            throw new RpcException(ShuttingDown);
        }
    }

    /// <summary>Reads and submits until the client half-closes (true) or reading must stop (false).</summary>
    private async Task<bool> ReadAsync(IAsyncStreamReader<PredictRequest> requests)
    {
        var token = _stopReading.Token;
        var mode = _context.RequestHeaders.GetValue(ModeHeader.Name);
        var exit = _context.RequestHeaders.GetValue(ExitHeader.Name);
        var deadline = InferenceService.Deadline(_context);
        try
        {
            while (true)
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
                if (!await requests.MoveNextAsync(token).ConfigureAwait(false))
                {
                    return true;
                }

                var request = requests.Current;
                Task<Prediction> prediction;
                // The request's span is current while it is submitted (the batcher takes it as the parent of its
                // queue and compute spans), then the reader's own again, so the next request's span is not its child.
                var current = Activity.Current;
                var call = Telemetry.Start(InferenceService.PredictStreamSpan, _context.RequestHeaders, ModeLabel.Of(request.EnsembleSize, mode));
                try
                {
                    _authorize(request.Model);
                    var model = _host.Repository.Get(request.Model);
                    call.Model = model.Name;
                    prediction = model.PredictAsync(ProtocolMapping.ToInput(request, mode, exit), deadline, _context.CancellationToken);
                }
                catch (Exception e)
                {
                    call.Failed(SetFailure(request.Id, e), e, _context, _host.ServedName, request.Model);
                    return false;
                }
                finally
                {
                    Activity.Current = current;
                }

                Interlocked.Increment(ref _pending);
                _ = CompleteAsync(request.Id, prediction, call);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown began, a failure stopped reading, or the client went away: accepted requests are still answered.
            return false;
        }
    }

    /// <summary>Queues the request for the writer once its prediction completes, in completion order.</summary>
    private async Task CompleteAsync(string id, Task<Prediction> prediction, RequestScope call)
    {
        try
        {
            await prediction.ConfigureAwait(false);
        }
        catch
        {
            // The writer reads the outcome from the task itself.
        }

        _completed.Writer.TryWrite((id, prediction, call));
        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _completed.Writer.TryComplete();
        }
    }

    /// <summary>Writes each completed prediction; reads to the end of the channel whatever happens, so every slot is released.</summary>
    private async Task WriteAsync(IServerStreamWriter<PredictResponse> responses)
    {
        var writable = true;
        await foreach (var (id, prediction, call) in _completed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (!prediction.IsCompletedSuccessfully)
                {
                    var error = prediction.Exception?.InnerException ?? new OperationCanceledException();
                    call.Failed(SetFailure(id, error), error, _context);
                }
                else if (writable)
                {
                    await responses.WriteAsync(ProtocolMapping.ToResponse(prediction.Result), _context.CancellationToken).ConfigureAwait(false);
                    call.Succeeded(prediction.Result);
                }
                else
                {
                    call.Failed(Status.DefaultCancelled);
                }
            }
            catch (Exception e)
            {
                // The client left or the deadline ended the call: nothing more can be written.
                writable = false;
                call.Failed(SetFailure(id, e));
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    /// <summary>Keeps the first failure, with the id of the request it belongs to, and stops reading. Returns this request's status.</summary>
    private Status SetFailure(string id, Exception e)
    {
        var status = StatusMap.ToStatus(e, id, out var unexpected);
        if (unexpected)
        {
            HostLog.CallFailed(_logger, _context.Method.FullName, e);
        }

        if (Interlocked.CompareExchange(ref _failure, new RpcException(status, new Metadata(), e), null) is null)
        {
            _stopReading.Cancel();
        }

        return status;
    }
}
