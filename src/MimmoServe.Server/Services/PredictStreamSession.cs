using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Security;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Mapping;

namespace MimmoServe.Server.Services;

/// <summary>
/// One PredictStream call. The reader submits each request to the repository as it arrives (so one stream's
/// requests share runs with each other and with other callers) and a single writer sends each response as soon as
/// its prediction completes: responses come out of order, paired by <c>id</c>. A message may be batched ([N, *item])
/// and gets one response with N results. At most <c>maxInFlight</c> messages are queued, running or waiting to be
/// written; the reader stops reading until one is written, so a client that sends faster than the model serves is
/// slowed by HTTP/2 flow control rather than refused.
/// <para>A message that is refused (bad input, unknown model, full queue, unmeetable deadline) or whose run fails is
/// answered by a response carrying <c>error</c> (its status code and message) and the stream goes on, as Triton's
/// ModelStreamInfer does. What concerns the stream itself ends it with a status, after the responses of the messages
/// accepted before it, naming the message's id: a token refused for a model (UNAUTHENTICATED, PERMISSION_DENIED),
/// cancellation, and shutdown. When shutdown begins the stream stops reading, answers what it accepted and ends
/// UNAVAILABLE.</para>
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
    private readonly Channel<StreamAnswer> _completed = Channel.CreateUnbounded<StreamAnswer>(new UnboundedChannelOptions { SingleReader = true });
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

    /// <summary>
    /// Whether <paramref name="error"/> ends the stream rather than one message: a refused token, a cancellation (the
    /// client's, or the call's deadline), and shutdown (the model stopping, or its grace period ending).
    /// </summary>
    internal static bool EndsStream(Exception error) => error switch
    {
        AccessDeniedException or OperationCanceledException or RpcException => true,
        ServingException { Kind: ServingErrorKind.Cancelled or ServingErrorKind.Unavailable } => true,
        _ => false,
    };

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
                StreamAnswer answer;
                // The request's span is current while it is submitted (the batcher takes it as the parent of its
                // queue and compute spans), then the reader's own again, so the next request's span is not its child.
                var current = Activity.Current;
                var call = Telemetry.Start(InferenceService.PredictStreamSpan, _context.RequestHeaders, ModeLabel.Of(request.EnsembleSize, mode));
                try
                {
                    _authorize(request.Model);
                    var model = _host.Repository.Get(request.Model);
                    call.Model = model.Name;
                    var input = ProtocolMapping.ToInput(request, mode, exit);
                    answer = model.IsBatched(input)
                        ? new StreamAnswer(request.Id, model.Name, null, model.PredictBatchAsync(input, deadline, _context.CancellationToken), null, call)
                        : new StreamAnswer(request.Id, model.Name, model.PredictAsync(input, deadline, _context.CancellationToken), null, null, call);
                }
                catch (Exception e) when (EndsStream(e))
                {
                    call.Failed(SetFailure(request.Id, e), e, _context, _host.ServedName, request.Model);
                    return false;
                }
                catch (Exception e)
                {
                    // Refused: answered with an error response in its turn; the stream reads on.
                    var status = ToStatus(e);
                    call.Failed(status, e, _context, _host.ServedName, request.Model);
                    answer = new StreamAnswer(request.Id, call.Model == RequestTelemetry.UnknownModel ? "" : call.Model, null, null, status, call);
                }
                finally
                {
                    Activity.Current = current;
                }

                Interlocked.Increment(ref _pending);
                if (answer.Task is { } task)
                {
                    _ = CompleteAsync(answer, task);
                }
                else
                {
                    _completed.Writer.TryWrite(answer);
                    Release();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown began, a failure stopped reading, or the client went away: accepted requests are still answered.
            return false;
        }
    }

    /// <summary>Queues the request for the writer once its prediction completes, in completion order.</summary>
    private async Task CompleteAsync(StreamAnswer answer, Task prediction)
    {
        try
        {
            await prediction.ConfigureAwait(false);
        }
        catch
        {
            // The writer reads the outcome from the task itself.
        }

        _completed.Writer.TryWrite(answer);
        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _completed.Writer.TryComplete();
        }
    }

    /// <summary>Writes each answer; reads to the end of the channel whatever happens, so every slot is released.</summary>
    private async Task WriteAsync(IServerStreamWriter<PredictResponse> responses)
    {
        var writable = true;
        await foreach (var answer in _completed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var call = answer.Call;
            try
            {
                if (answer.Task is not { } task)
                {
                    if (writable)
                    {
                        await responses.WriteAsync(ErrorResponse(answer, answer.Refused.GetValueOrDefault()), _context.CancellationToken).ConfigureAwait(false);
                    }
                }
                else if (!task.IsCompletedSuccessfully)
                {
                    var error = task.Exception?.InnerException ?? new OperationCanceledException();
                    if (EndsStream(error))
                    {
                        call.Failed(SetFailure(answer.Id, error), error, _context);
                    }
                    else
                    {
                        var status = ToStatus(error);
                        call.Failed(status, error, _context);
                        if (writable)
                        {
                            await responses.WriteAsync(ErrorResponse(answer, status), _context.CancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                else if (!writable)
                {
                    call.Failed(Status.DefaultCancelled);
                }
                else if (answer.Batch is { } batch)
                {
                    var response = ProtocolMapping.ToResponse(answer.Id, answer.Model, batch.Result);
                    await responses.WriteAsync(response, _context.CancellationToken).ConfigureAwait(false);
                    call.Succeeded(batch.Result);
                }
                else
                {
                    var prediction = answer.Single!.Result;
                    await responses.WriteAsync(ProtocolMapping.ToResponse(prediction), _context.CancellationToken).ConfigureAwait(false);
                    call.Succeeded(prediction);
                }
            }
            catch (Exception e)
            {
                // The client left or the deadline ended the call: nothing more can be written.
                writable = false;
                call.Failed(SetFailure(answer.Id, e));
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    private static PredictResponse ErrorResponse(StreamAnswer answer, Status status) => new()
    {
        Id = answer.Id,
        Model = answer.Model,
        Error = new ItemError { Code = (uint)status.StatusCode, Message = status.Detail },
    };

    /// <summary>The status of one message's refusal or failure (the server log gets an unexpected one's detail).</summary>
    private Status ToStatus(Exception e)
    {
        var status = StatusMap.ToStatus(e, out var unexpected);
        if (unexpected)
        {
            HostLog.CallFailed(_logger, _context.Method.FullName, e);
        }

        return status;
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
