using MimmoServe.Onnx;
using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Repository;

/// <summary>
/// One loaded, warmed-up model: its contract, settings, session and batcher. <see cref="PredictAsync"/> validates a
/// request, queues it and returns the task its run completes. Thread-safe.
/// </summary>
public sealed class ServedModel : IAsyncDisposable
{
    private readonly OnnxSession _session;
    private readonly ModelBatcher _batcher;
    private readonly TimeProvider _time;

    internal ServedModel(string name, string path, ModelContract contract, ModelConfig config, OnnxSession session, ModelBatcher batcher, TimeProvider time)
    {
        Name = name;
        Path = path;
        Contract = contract;
        Config = config;
        _session = session;
        _batcher = batcher;
        _time = time;
    }

    public string Name { get; }

    /// <summary>The model.onnx it was loaded from.</summary>
    public string Path { get; }

    public ModelContract Contract { get; }

    public ModelConfig Config { get; }

    /// <summary>The k used when neither the request nor the header chooses (config.json, else the model's).</summary>
    public int DefaultEnsembleSize => Config.EnsembleSizeFor(Contract);

    /// <summary>The exit policy of a request without an <c>x-mimmo-exit</c> header (config.json, else auto for a staged model, full for the others).</summary>
    public ExitPolicy DefaultExitPolicy => Config.ExitPolicyFor(Contract);

    /// <summary>A staged model's later stage sessions, owned (disposed) by this model; null for the other models.</summary>
    internal StageSessions? Stages { get; init; }

    /// <summary>
    /// The provider asked for and the one in use, with the reason when they differ: ORT's when the session fell back
    /// to CPU at load, the circuit breaker's when repeated run failures moved the model to a CPU session.
    /// </summary>
    public ExecutionProviderResult ExecutionProvider => _batcher.ExecutionProvider ?? _session.ExecutionProvider;

    /// <summary>Expected duration of one run (moving average), used to refuse requests whose deadline cannot be met.</summary>
    public TimeSpan RunEstimate => _batcher.RunEstimate;

    /// <summary>The circuit breaker's runner; it owns the CPU fallback session. Null in tests that run the batcher alone.</summary>
    internal FailoverBatchRunner? Failover { get; init; }

    /// <summary>Inputs waiting in the queue.</summary>
    public int QueueLength => _batcher.QueueLength;

    /// <summary>Runs so far, warm-up included (of a staged model: stage-0 runs).</summary>
    public int Runs => _batcher.Runs;

    /// <summary>Runs of stage <paramref name="stage"/> so far, warm-up included; a model that is not staged has stage 0 only (<see cref="Runs"/>).</summary>
    public long StageRuns(int stage) => _batcher.StageRuns(stage);

    /// <summary>Rows run by stage <paramref name="stage"/> so far, warm-up included; null for a model that is not staged.</summary>
    public long? StageRows(int stage) => _batcher.StageRows(stage);

    internal ModelBatcher Batcher => _batcher;

    /// <summary>
    /// Validates <paramref name="input"/>, chooses its k, queues it and returns the task of its prediction.
    /// Refusals throw at once, before anything is queued: DeadlineExceeded (the deadline has already passed),
    /// InvalidArgument (item, size, mode, exit policy), ResourceExhausted (queue full), Unavailable (stopping). The task fails with DeadlineExceeded or Cancelled when the request is
    /// dropped before it runs (never run), or Internal when its run fails.
    /// </summary>
    /// <param name="input">The request; not kept.</param>
    /// <param name="deadline">When the caller stops waiting, on this repository's <see cref="TimeProvider"/>; null for none.</param>
    /// <param name="cancellationToken">Drops the request while it waits; a request already packed runs to the end.</param>
    /// <exception cref="ServingException">The request is refused.</exception>
    public Task<Prediction> PredictAsync(PredictInput input, DateTimeOffset? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = _time.GetTimestamp();
        var (k, policy) = Resolve(input, deadline);
        var item = ItemValidator.Validate(Contract, input);
        var request = new PendingRequest(Name, input.Id, item, k, input.TopK, input.ReturnMembers, now, deadline)
        {
            TraceParent = System.Diagnostics.Activity.Current,
            ExitPolicy = policy,
        };
        _batcher.Submit(request, cancellationToken);
        return request.Task;
    }

    /// <summary>
    /// What every request is checked for before its items: a deadline not already passed (DeadlineExceeded, counted as
    /// shed), then its k and its exit policy from the request, its headers and the model's defaults (InvalidArgument).
    /// </summary>
    private (int K, ExitPolicy Policy) Resolve(PredictInput input, DateTimeOffset? deadline)
    {
        if (deadline <= _time.GetUtcNow())
        {
            _batcher.Metrics?.RecordShed(Name, Telemetry.ShedReason.Deadline);
            throw ServingErrors.DeadlineAlreadyPassed(Name);
        }

        return (
            OperatingPoint.Resolve(Contract, DefaultEnsembleSize, input.EnsembleSize, input.Mode),
            ExitPolicy.Resolve(Contract, DefaultExitPolicy, input.ExitPolicy));
    }

    /// <summary>The most items one request may carry (config.json <c>max_items_per_request</c>).</summary>
    public int MaxItemsPerRequest => Config.ItemsPerRequest;

    /// <summary>
    /// Whether <paramref name="input"/>'s shape has a leading batch dimension ([N, *item]); such a request is answered by
    /// <see cref="PredictBatchAsync"/>.
    /// </summary>
    public bool IsBatched(PredictInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ItemValidator.IsBatched(Contract, input.Shape);
    }

    /// <summary>
    /// The items of <paramref name="input"/> (one for the item shape, N for [N, *item]), each validated, packed and run
    /// on its own with the request's k, answered in the order of the items. Every item is checked before any is
    /// queued (a bad one refuses the request, its message naming the item's index), and the queue takes all of them
    /// or none (<see cref="ModelBatcher.SubmitAll"/>). Refusals throw at once, as <see cref="PredictAsync"/>'s do; the
    /// task fails with the first failed item's error (DeadlineExceeded or Cancelled for items dropped before they
    /// ran, Internal for a failed run).
    /// </summary>
    /// <param name="input">The request; not kept.</param>
    /// <param name="deadline">When the caller stops waiting, for every item; null for none.</param>
    /// <param name="cancellationToken">Drops every item still waiting; items already packed run to the end.</param>
    /// <exception cref="ServingException">The request is refused; nothing was queued.</exception>
    public Task<Prediction[]> PredictBatchAsync(PredictInput input, DateTimeOffset? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = _time.GetTimestamp();
        var (k, policy) = Resolve(input, deadline);
        var items = ItemValidator.ValidateItems(Contract, input, MaxItemsPerRequest);
        var requests = new PendingRequest[items.Length];
        var trace = System.Diagnostics.Activity.Current;
        for (var i = 0; i < items.Length; i++)
        {
            requests[i] = new PendingRequest(Name, input.Id, items[i], k, input.TopK, input.ReturnMembers, now, deadline)
            {
                TraceParent = trace,
                ExitPolicy = policy,
            };
        }

        _batcher.SubmitAll(requests, cancellationToken);

        var tasks = new Task<Prediction>[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            tasks[i] = requests[i].Task;
        }

        // In the order of the items; on failure, the exception of the first failed item in that order.
        return Task.WhenAll(tasks);
    }

    /// <summary>Stops accepting requests and completes the queued ones (see <see cref="ModelBatcher.StopAsync"/>).</summary>
    public Task StopAsync() => _batcher.StopAsync();

    /// <summary>The shutdown grace ended: queued requests fail Unavailable, running runs stop (see <see cref="ModelBatcher.Abort"/>).</summary>
    /// <returns>How many queued requests were failed.</returns>
    public int Abort() => _batcher.Abort();

    /// <summary>Drains, then releases the session (and the CPU fallback session, if the breaker made one).</summary>
    public async ValueTask DisposeAsync()
    {
        await _batcher.StopAsync().ConfigureAwait(false);
        _batcher.Metrics?.Unregister(this);
        Failover?.Dispose();
        Stages?.Dispose();
        _session.Dispose();
    }
}
