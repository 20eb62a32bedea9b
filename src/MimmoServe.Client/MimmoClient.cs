using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using MimmoServe.Client.Resilience;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using Polly;
using Polly.Timeout;

namespace MimmoServe.Client;

/// <summary>
/// A client of mimmo.v1.Inference on one or more servers. Unary calls (Predict, GetModel, ListModels, health) go
/// round-robin across the addresses through a resilience pipeline: retries with backoff on UNAVAILABLE and
/// RESOURCE_EXHAUSTED that never outlive the call's deadline, optional hedging, a circuit breaker per address and an
/// optional per-attempt timeout. Every failure is an <see cref="RpcException"/> with the gRPC status.
/// Thread-safe; make one per application and reuse it.
/// </summary>
public sealed class MimmoClient : IDisposable
{
    private readonly MimmoClientOptions _options;
    private readonly EndpointSet _endpoints;
    private readonly ResiliencePipeline<PredictResponse> _predict;
    private readonly ResiliencePipeline<ModelInfo> _model;
    private readonly ResiliencePipeline<ListModelsResponse> _models;
    private readonly ResiliencePipeline<HealthCheckResponse> _health;

    /// <exception cref="ArgumentException">An invalid option.</exception>
    public MimmoClient(MimmoClientOptions? options = null)
    {
        _options = options ?? new MimmoClientOptions();
        _options.Validate();
        var logger = _options.LoggerFactory.CreateLogger<MimmoClient>();
        var channelOptions = _options.Channel;
        channelOptions.TimeProvider = _options.TimeProvider;
        _endpoints = new EndpointSet([.. _options.Addresses.Select(a => new Endpoint(MimmoClientDefaults.ToUri(a), _options, channelOptions, logger))]);
        _predict = CallPipeline.Build<PredictResponse>(_options, logger);
        _model = CallPipeline.Build<ModelInfo>(_options, logger);
        _models = CallPipeline.Build<ListModelsResponse>(_options, logger);
        _health = CallPipeline.Build<HealthCheckResponse>(_options, logger);
    }

    /// <summary>A client of these servers (<c>host:port</c> or URIs) with default options.</summary>
    public static MimmoClient Create(params string[] addresses) => new(new MimmoClientOptions { Addresses = addresses });

    /// <summary>The servers' addresses, in round-robin order.</summary>
    public IReadOnlyList<Uri> Addresses => [.. _endpoints.All.Select(e => e.Address)];

    /// <summary>One prediction. <paramref name="mode"/> sets the operating point unless the request's <c>ensemble_size</c> does.</summary>
    /// <param name="request">The request; its <c>id</c> comes back in the response.</param>
    /// <param name="mode">The operating point; the default sends no header and the model's default applies.</param>
    /// <param name="deadline">When the call must be over, retries included (UTC); null is now + <see cref="MimmoClientOptions.DefaultTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the call and its retries (CANCELLED).</param>
    public Task<PredictResponse> PredictAsync(PredictRequest request, OperatingPoint mode = default, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        PredictAsync(request, mode, default, deadline, cancellationToken);

    /// <summary>
    /// One prediction with an exit policy for a staged (early-exit) model: the response's <c>exit</c> and
    /// <c>compute_share</c> say where the input left and what share of the full forward pass it cost.
    /// </summary>
    /// <param name="request">The request; its <c>id</c> comes back in the response.</param>
    /// <param name="mode">The operating point; the default sends no header and the model's default applies.</param>
    /// <param name="exit">The exit policy; the default sends no header and the model's default policy applies.</param>
    /// <param name="deadline">When the call must be over, retries included (UTC); null is now + <see cref="MimmoClientOptions.DefaultTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the call and its retries (CANCELLED).</param>
    public Task<PredictResponse> PredictAsync(PredictRequest request, OperatingPoint mode, ExitPolicy exit, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return InvokeAsync(_predict, InferenceMethods.Predict, request, Headers(mode, exit), deadline, cancellationToken);
    }

    /// <summary>
    /// Many items in one call (a batched Predict, shape [N, *item]): each item is served on its own, with the request's
    /// k, and the results come back in the order of the items. <paramref name="request"/> says what every item gets
    /// (model, ensemble_size, top_k, return_members, id) and its <c>shape</c> is one item's shape; its data is ignored.
    /// The items go as raw_data. One bad item refuses the whole call (INVALID_ARGUMENT, its message starting with
    /// "item i:"); more items than the model's <c>max_items_per_request</c> (<see cref="ModelInfo"/>) is INVALID_ARGUMENT
    /// too. Retried as <see cref="PredictAsync(PredictRequest, OperatingPoint, ExitPolicy, DateTime?, CancellationToken)"/>
    /// is: the server queues all the items or none.
    /// </summary>
    /// <param name="request">The template: model, one item's shape and the options; not changed.</param>
    /// <param name="items">The items (at least one), each with the item shape's element count, row-major.</param>
    /// <param name="mode">The operating point; the default sends no header and the model's default applies.</param>
    /// <param name="exit">The exit policy; the default sends no header and the model's default policy applies.</param>
    /// <param name="deadline">
    /// When the whole call must be over, every item and retry included (UTC); null is now + <see cref="MimmoClientOptions.DefaultTimeout"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels the call: the server drops every item still waiting (CANCELLED).</param>
    /// <returns>One result per item, in the order of <paramref name="items"/>.</returns>
    /// <exception cref="ArgumentException">No items, or an item whose length is not the shape's element count.</exception>
    public Task<IReadOnlyList<ItemResult>> PredictBatchAsync(
        PredictRequest request,
        IReadOnlyList<float[]> items,
        OperatingPoint mode = default,
        ExitPolicy exit = default,
        DateTime? deadline = null,
        CancellationToken cancellationToken = default) =>
        SendBatchAsync(BatchRequest(request, items), items.Count, mode, exit, deadline, cancellationToken);

    /// <summary>
    /// The same with each item as bytes, one per value (raw_uint8), for a model that declares what a byte means
    /// (<see cref="ModelInfo.InputScale"/> above 0, e.g. 1/255 for 8-bit images): a quarter of the bytes of float32.
    /// A model without an input scale refuses the call (INVALID_ARGUMENT).
    /// </summary>
    /// <exception cref="ArgumentException">No items, or an item whose length is not the shape's element count.</exception>
    public Task<IReadOnlyList<ItemResult>> PredictBatchAsync(
        PredictRequest request,
        IReadOnlyList<byte[]> items,
        OperatingPoint mode = default,
        ExitPolicy exit = default,
        DateTime? deadline = null,
        CancellationToken cancellationToken = default) =>
        SendBatchAsync(BatchRequest(request, items), items.Count, mode, exit, deadline, cancellationToken);

    /// <summary>
    /// The batched request of <see cref="PredictBatchAsync(PredictRequest, IReadOnlyList{float[]}, OperatingPoint, ExitPolicy, DateTime?, CancellationToken)"/>:
    /// a copy of <paramref name="request"/> with shape [N, *shape] and the items one after the other in raw_data
    /// (little-endian float32). For a PredictStream message that carries several items.
    /// </summary>
    /// <exception cref="ArgumentException">No items, or an item whose length is not the shape's element count.</exception>
    public static PredictRequest BatchRequest(PredictRequest request, IReadOnlyList<float[]> items)
    {
        var length = ItemLength(request, items);
        var bytes = new byte[checked(items.Count * length * sizeof(float))];
        for (var i = 0; i < items.Count; i++)
        {
            var offset = i * length * sizeof(float);
            for (var v = 0; v < length; v++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset + (v * sizeof(float))), items[i][v]);
            }
        }

        var batch = Batch(request, items.Count);
        batch.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        return batch;
    }

    /// <summary>The same with the items as bytes, one per value, in raw_uint8 (for a model with an input scale).</summary>
    /// <exception cref="ArgumentException">No items, or an item whose length is not the shape's element count.</exception>
    public static PredictRequest BatchRequest(PredictRequest request, IReadOnlyList<byte[]> items)
    {
        var length = ItemLength(request, items);
        var bytes = new byte[checked(items.Count * length)];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].CopyTo(bytes, i * length);
        }

        var batch = Batch(request, items.Count);
        batch.RawUint8 = UnsafeByteOperations.UnsafeWrap(bytes);
        return batch;
    }

    private async Task<IReadOnlyList<ItemResult>> SendBatchAsync(
        PredictRequest batch, int count, OperatingPoint mode, ExitPolicy exit, DateTime? deadline, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync(_predict, InferenceMethods.Predict, batch, Headers(mode, exit), deadline, cancellationToken).ConfigureAwait(false);
        return response.Items.Count == count
            ? response.Items
            : throw new RpcException(new Status(
                StatusCode.Internal,
                $"{InferenceMethods.Predict.FullName}: {count} items sent, {response.Items.Count} results received; " +
                "does the server take batched requests?"));
    }

    /// <summary>The element count of one item, after checking that there is an item and each has it.</summary>
    private static int ItemLength<T>(PredictRequest request, IReadOnlyList<T[]> items)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            throw new ArgumentException("A batched request needs at least one item.", nameof(items));
        }

        var length = checked((int)request.Shape.Aggregate(1L, (a, d) => a * d));
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"Item {i} is null.", nameof(items));
            if (item.Length != length)
            {
                throw new ArgumentException(
                    $"Item {i} has {item.Length} values; the shape [{string.Join(", ", request.Shape)}] needs {length}.", nameof(items));
            }
        }

        return length;
    }

    /// <summary>A copy of the template with shape [N, *shape] and no data yet.</summary>
    private static PredictRequest Batch(PredictRequest request, int count)
    {
        var batch = request.Clone();
        batch.Data.Clear();
        batch.RawData = ByteString.Empty;
        batch.RawUint8 = ByteString.Empty;
        batch.Shape.Clear();
        batch.Shape.Add(count);
        batch.Shape.Add(request.Shape);
        return batch;
    }

    /// <summary>The description of one model; "" is the server's default model. NOT_FOUND for an unknown name.</summary>
    public Task<ModelInfo> GetModelAsync(string model = "", DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return InvokeAsync(_model, InferenceMethods.GetModel, new GetModelRequest { Model = model }, Headers(default, default), deadline, cancellationToken);
    }

    /// <summary>Every model the server serves (the next server in the round-robin order answers).</summary>
    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(_models, InferenceMethods.ListModels, new ListModelsRequest(), Headers(default, default), deadline, cancellationToken).ConfigureAwait(false)).Models;

    /// <summary>
    /// The grpc.health.v1 status of <paramref name="service"/> ("" = the whole server, <c>mimmo.v1.Inference/NAME</c> =
    /// one model). Not retried: a health check reports what it finds. NOT_FOUND for an unknown service.
    /// </summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> CheckHealthAsync(string service = "", DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var endpoint = _endpoints.Next();
        var options = new CallOptions(Deadline: deadline ?? DefaultDeadline(), CancellationToken: cancellationToken);
        var reply = await endpoint.Invoker.AsyncUnaryCall(HealthMethods.Check, new HealthCheckRequest { Service = service }, options).ResponseAsync.ConfigureAwait(false);
        return reply.Status;
    }

    /// <summary>
    /// Many predictions on one stream to one server (the next in round-robin order whose circuit is closed): each
    /// request is sent as <paramref name="requests"/> yields it (a request may be batched, see <see cref="BatchRequest"/>),
    /// and one <see cref="StreamResult"/> per request is yielded as it arrives, possibly out of order (pair them by
    /// <c>Id</c>). A request that is refused or fails gives a result with <see cref="StreamResult.Error"/> and the stream
    /// goes on; what ends the stream (a refused token, cancellation, the deadline, shutdown, a lost connection) throws
    /// <see cref="RpcException"/> from the enumeration. A stream is not retried: part of it may already have been
    /// answered.
    /// </summary>
    /// <param name="requests">The requests, sent as they are yielded.</param>
    /// <param name="mode">The operating point of every request; the default sends no header.</param>
    /// <param name="deadline">When the whole stream must be over (UTC); null for none: a stream lives as long as its
    /// requests come, so it does not take <see cref="MimmoClientOptions.DefaultTimeout"/>, which is for unary calls.</param>
    /// <param name="cancellationToken">Ends the stream (CANCELLED).</param>
    public IAsyncEnumerable<StreamResult> PredictStreamAsync(
        IAsyncEnumerable<PredictRequest> requests,
        OperatingPoint mode = default,
        DateTime? deadline = null,
        CancellationToken cancellationToken = default) =>
        PredictStreamAsync(requests, mode, default, deadline, cancellationToken);

    /// <summary>
    /// <see cref="PredictStreamAsync(IAsyncEnumerable{PredictRequest}, OperatingPoint, DateTime?, CancellationToken)"/>
    /// with an exit policy for a staged (early-exit) model, the same for every request of the stream.
    /// </summary>
    public async IAsyncEnumerable<StreamResult> PredictStreamAsync(
        IAsyncEnumerable<PredictRequest> requests,
        OperatingPoint mode,
        ExitPolicy exit,
        DateTime? deadline = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var endpoint = _endpoints.Next();
        var options = new CallOptions(Headers(mode, exit), deadline, cancellationToken);
        using var call = endpoint.Invoker.AsyncDuplexStreamingCall(InferenceMethods.PredictStream, options);
        var writing = WriteAllAsync(call.RequestStream, requests, cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return new StreamResult(call.ResponseStream.Current);
        }

        await writing.ConfigureAwait(false);
    }

    /// <summary>The circuit state of each address, for diagnostics.</summary>
    internal IReadOnlyDictionary<Uri, Polly.CircuitBreaker.CircuitState> CircuitStates =>
        _endpoints.All.ToDictionary(e => e.Address, e => e.CircuitState);

    public void Dispose() => _endpoints.Dispose();

    private static async Task WriteAllAsync(IClientStreamWriter<PredictRequest> writer, IAsyncEnumerable<PredictRequest> requests, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in requests.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The call ended (its status is what the reader reports) or the reader stopped early and disposed it;
            // the remaining requests are not sent.
        }
    }

    /// <summary>The operating point's and the exit policy's headers and the bearer token, when there are any.</summary>
    private Metadata? Headers(OperatingPoint mode, ExitPolicy exit)
    {
        if (mode.HeaderValue is null && exit.HeaderValue is null && _options.BearerToken is null)
        {
            return null;
        }

        var headers = new Metadata();
        if (mode.HeaderValue is { } value)
        {
            headers.Add(ModeHeader.Name, value);
        }

        if (exit.HeaderValue is { } policy)
        {
            headers.Add(ExitHeader.Name, policy);
        }

        if (_options.BearerToken is { } token)
        {
            headers.Add(MimmoClientDefaults.AuthorizationHeader, "Bearer " + token);
        }

        return headers;
    }

    private DateTime DefaultDeadline() => _options.TimeProvider.GetUtcNow().UtcDateTime + _options.DefaultTimeout;

    /// <summary>
    /// One attempt. A call ended by a token of the pipeline (the deadline's or the attempt's timeout) or of the caller
    /// is reported as <see cref="OperationCanceledException"/>, so that Polly's timeouts see their own cancellation and
    /// turn it into <see cref="TimeoutRejectedException"/> (retryable for an attempt, DEADLINE_EXCEEDED for the call).
    /// </summary>
    private static async Task<TResponse> AttemptAsync<TRequest, TResponse>(CallInvoker invoker, (EndpointSet Endpoints, Method<TRequest, TResponse> Method, TRequest Request, CallOptions Options) s, CancellationToken token)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        try
        {
            return await invoker.AsyncUnaryCall(s.Method, s.Request, s.Options with { CancellationToken = token }).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Message, e, token);
        }
    }

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        ResiliencePipeline<TResponse> pipeline,
        Method<TRequest, TResponse> method,
        TRequest request,
        Metadata? headers,
        DateTime? deadline,
        CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var callDeadline = deadline ?? DefaultDeadline();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CallProperties.Deadline, callDeadline);
        var state = (Endpoints: _endpoints, Method: method, Request: request, Options: new CallOptions(headers, callDeadline));
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.Endpoints.Next().ExecuteAsync(AttemptAsync, s, ctx.CancellationToken),
                context,
                state).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"{method.FullName}: cancelled by the caller."), new Metadata(), e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"{method.FullName}: {e.Message}"), new Metadata(), e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
