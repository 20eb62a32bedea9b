using System.Threading.Channels;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The dynamic batcher of one model, after Triton's: callers <see cref="Submit"/> validated requests into a bounded
/// queue (full = refused at once); one loop forms a batch when the waiting inputs fill max_rows_per_run rows of M
/// slots or when the oldest has waited max_queue_delay_ms, packs it into one of two reused buffer sets and hands it
/// to a thread-pool run, then forms the next batch while that one runs. Each run unbinds its requests' results
/// and completes them. <see cref="StopAsync"/> refuses new requests and runs the queued ones.
/// <para>Threading: <c>_lock</c> guards the queue, its slot count and the stopping flag only, and is held for enqueue and for
/// packing's dequeue; no completion, wake-up or run happens under it. The loop alone owns the packer.</para>
/// </summary>
internal sealed partial class ModelBatcher
{
    /// <summary>Buffer sets: one being packed while the other runs.</summary>
    internal const int BufferCount = 2;

    private readonly Lock _lock = new();
    private readonly Queue<PendingRequest> _queue = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Channel<BatchBuffers> _free = Channel.CreateUnbounded<BatchBuffers>();
    private readonly List<PendingRequest> _expired = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly string _name;
    private readonly ModelContract _contract;
    private readonly ModelConfig _config;
    private readonly IBatchRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SlotPacker _packer;
    private readonly ITimer _timer;
    private readonly StagePipeline? _pipeline;
    private readonly int _capacitySlots;
    private int _queuedSlots;
    private bool _stopping;
    private int _runs;
    private double _runEstimateTicks;
    private Task _loop = Task.CompletedTask;

    /// <param name="name">The model's name.</param>
    /// <param name="contract">The model.</param>
    /// <param name="config">Its settings.</param>
    /// <param name="runner">Runs stage 0 (the model's only stage when it is not staged).</param>
    /// <param name="time">The clock of delays, deadlines and timings.</param>
    /// <param name="logger">Where failed runs are reported.</param>
    /// <param name="stages">A staged model's later stages (their sessions stay the caller's); null for the other models.</param>
    public ModelBatcher(string name, ModelContract contract, ModelConfig config, IBatchRunner runner, TimeProvider time, ILogger logger, StageSessions? stages = null)
    {
        _name = name;
        _contract = contract;
        _config = config;
        _runner = runner;
        _time = time;
        _logger = logger;
        _packer = new SlotPacker(contract, config.MaxRowsPerRun);
        _capacitySlots = config.MaxRowsPerRun * contract.Slots;
        for (var i = 0; i < BufferCount; i++)
        {
            _free.Writer.TryWrite(new BatchBuffers(contract, config.MaxRowsPerRun));
        }

        _timer = time.CreateTimer(static state => ((ModelBatcher)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (stages is not null)
        {
            _pipeline = new StagePipeline(name, contract, stages, config, time, logger, _abort.Token);
        }
    }

    /// <summary>Runs so far (warm-up included); of a staged model, stage-0 runs (see <see cref="StageRuns"/> for the others).</summary>
    public int Runs => Volatile.Read(ref _runs);

    /// <summary>A staged model's later stages: stage-0 runs hand their outputs to it instead of answering every request; null for the other models.</summary>
    internal StagePipeline? Pipeline => _pipeline;

    /// <summary>Runs of stage <paramref name="stage"/> so far, warm-up included (a model that is not staged has stage 0 only: <see cref="Runs"/>).</summary>
    public long StageRuns(int stage) => _pipeline?.StageRuns(stage) ?? (stage == 0 ? Runs : 0);

    /// <summary>Rows run by stage <paramref name="stage"/> so far, warm-up included; null when the model is not staged.</summary>
    public long? StageRows(int stage) => _pipeline?.StageRows(stage);

    /// <summary>Inputs waiting (dropped ones included until the next packing removes them).</summary>
    public int QueueLength
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// The expected duration of one run: an exponentially weighted moving average of the successful runs (weight
    /// <see cref="RunEstimateWeight"/> on the newest), seeded by the last warm-up run. Zero before any run.
    /// </summary>
    public TimeSpan RunEstimate
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromTicks((long)_runEstimateTicks);
            }
        }
    }

    /// <summary>The provider the runs use (it changes when the circuit breaker moves the model to CPU); null for test runners.</summary>
    public Onnx.ExecutionProviderResult? ExecutionProvider => _runner.ExecutionProvider;

    /// <summary>Test hook: called by the loop each time it goes to sleep, with how long it will sleep at most.</summary>
    internal Action<TimeSpan>? Sleeping { get; set; }

    /// <summary>Starts the loop. Call once, after <see cref="WarmUp"/>.</summary>
    public void Start()
    {
        _pipeline?.Start(() => QueueLength > 0);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Takes ownership of <paramref name="request"/> (and its rented item) or throws without keeping it.</summary>
    /// <exception cref="ServingException">ResourceExhausted when the queue is full; Unavailable after <see cref="StopAsync"/>.</exception>
    public void Submit(PendingRequest request, CancellationToken cancellationToken)
    {
        // Registered before the request is published to the loop, so the registration is complete when packing
        // disposes it. An already cancelled token drops the request right here, synchronously.
        request.WatchCancellation(cancellationToken);
        lock (_lock)
        {
            if (_stopping || _queue.Count >= _config.QueueSize)
            {
                request.StopWatching();
                RecordShed(_stopping ? Telemetry.ShedReason.ShuttingDown : Telemetry.ShedReason.QueueFull);
                throw _stopping ? ServingErrors.ShuttingDown(_name) : ServingErrors.QueueFull(_name, _config.QueueSize);
            }

            if (CannotMeetDeadline(request) is { } refusal)
            {
                request.StopWatching();
                throw refusal;
            }

            if (!request.IsQueued)
            {
                return;
            }

            _queue.Enqueue(request);
            _queuedSlots += request.EnsembleSize;
        }

        Wake();
    }

    /// <summary>
    /// The items of one batched call, all or none: under one acquisition of the lock, either every request is queued
    /// or, when the queue cannot take them all (or stopping has begun, or the deadline they share cannot be met behind
    /// the work ahead), none is and this throws. Takes ownership of the requests (and their rented items) only when it
    /// returns. A request already dropped by a cancelled token is left out of the queue, as <see cref="Submit"/> does.
    /// </summary>
    /// <param name="requests">The call's items in order, sharing one deadline.</param>
    /// <param name="cancellationToken">The call's token: its cancellation drops every item still waiting.</param>
    /// <exception cref="ServingException">
    /// ResourceExhausted when the queue lacks room for all of them; DeadlineExceeded; Unavailable after <see cref="StopAsync"/>.
    /// </exception>
    public void SubmitAll(IReadOnlyList<PendingRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return;
        }

        foreach (var request in requests)
        {
            request.WatchCancellation(cancellationToken);
        }

        var slots = 0;
        foreach (var request in requests)
        {
            slots += request.EnsembleSize;
        }

        lock (_lock)
        {
            var refusal = _stopping || _queue.Count + requests.Count > _config.QueueSize
                ? _stopping ? ServingErrors.ShuttingDown(_name) : ServingErrors.QueueFull(_name, _config.QueueSize)
                : null;
            if (refusal is not null)
            {
                RecordShed(_stopping ? Telemetry.ShedReason.ShuttingDown : Telemetry.ShedReason.QueueFull);
            }
            else if (_queuedSlots > 0 || slots > _capacitySlots)
            {
                // Deadline admission for the last item, with the call's other items counted as work ahead of it (the
                // queue is left as it was). A call whose items all fit the next run of an empty queue is admitted, as a
                // single request that would run next is.
                var last = requests[^1];
                _queuedSlots += slots - last.EnsembleSize;
                refusal = CannotMeetDeadline(last);
                _queuedSlots -= slots - last.EnsembleSize;
            }

            if (refusal is not null)
            {
                foreach (var request in requests)
                {
                    request.StopWatching();
                }

                throw refusal;
            }

            foreach (var request in requests)
            {
                if (request.IsQueued)
                {
                    _queue.Enqueue(request);
                    _queuedSlots += request.EnsembleSize;
                }
            }
        }

        Wake();
    }

    /// <summary>Refuses new requests, runs every queued one (and every row waiting for a later stage), and returns when the last run has completed.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        Wake();
        return _loop;
    }

    /// <summary>
    /// Shutdown's grace period has ended: every request still queued (or waiting for a later stage) fails Unavailable at once, and runs in progress
    /// are stopped (ORT's terminate flag) and fail Unavailable. <see cref="StopAsync"/>'s task then completes.
    /// </summary>
    /// <returns>How many queued requests were failed.</returns>
    public int Abort()
    {
        var failed = FailQueued(ServingErrors.GraceEnded(_name)) + (_pipeline?.Abort() ?? 0);
        _abort.Cancel();
        Wake();
        return failed;
    }

    /// <summary>
    /// One run per supported k with an all-zero item, before <see cref="Start"/>, through the same packing, run and
    /// unbinding as requests. A model whose warm-up gives anything but a distribution is refused.
    /// </summary>
    /// <exception cref="ModelContractException">The outputs are not finite or do not sum to 1.</exception>
    public void WarmUp()
    {
        foreach (var k in _contract.EnsembleSizes)
        {
            var item = System.Buffers.ArrayPool<float>.Shared.Rent(_contract.ItemLength);
            Array.Clear(item);
            // Every stage of a staged model runs: full.
            var request = new PendingRequest(_name, $"warm-up k={k}", item, k, 0, false, _time.GetTimestamp(), null) { ExitPolicy = Requests.ExitPolicy.Full };
            lock (_lock)
            {
                _queue.Enqueue(request);
                _queuedSlots += k;
            }

            _free.Reader.TryRead(out var buffers);
            Form(buffers!);
            lock (_lock)
            {
                // The first runs of a session are its slowest: only the last warm-up run seeds the estimate.
                _runEstimateTicks = 0;
            }

            Execute(buffers!);
            _pipeline?.Flush();
            var prediction = request.Task.GetAwaiter().GetResult();
            var sum = System.Numerics.Tensors.TensorPrimitives.Sum(prediction.Probabilities);
            if (!float.IsFinite(sum) || Math.Abs(sum - 1) > 1e-3)
            {
                throw new ModelContractException($"output '{_contract.OutputName}'", $"warm-up with k={k} gave probabilities summing to {sum}; the logits are not finite.");
            }
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);
}
