using System.Diagnostics;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;
using MimmoServe.Serving.Telemetry;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The dynamic batcher of one model, after Triton's: callers <see cref="Submit"/> validated requests into a bounded
/// queue (full = refused at once, <see cref="DeadlineAdmission"/> refuses what its deadline cannot wait for); one
/// <see cref="BatchLoop"/> packs waiting requests into the buffer set of a free runner (<see cref="RunnerCount"/> per
/// model, each a buffer set and a dedicated thread) and hands it to that runner's thread, which runs it and passes it
/// to the model's <see cref="IRunCompletion"/> (plain: unbind and answer; staged: settle exit 0 and hand rows on).
/// <para>When a batch forms: by default, as soon as a runner is free and an input waits, with every input waiting (up to
/// max_rows_per_run rows of M slots): the engine never idles while requests wait, and requests gather into fuller
/// runs only while every runner is busy. With gather_when_idle a free runner waits until the waiting inputs fill
/// max_rows_per_run × M slots or the oldest has waited max_queue_delay_ms (fuller runs at the cost of latency at low
/// load). Stopping forms batches without waiting until the queue is empty.</para>
/// <para>Threading: <c>_lock</c> guards the queue, its slot count, the free runners' buffer sets, the stopping flag and
/// the admission's estimate. It is held to enqueue and, in the loop's step, to choose and dequeue a batch; no
/// completion, wake-up, copy or run happens under it. Packing (the packer, the chosen buffer set) is the loop's alone
/// until it posts the set to the runner's thread; the set comes back to <c>_free</c> in a finally, whatever the run or
/// its completion threw. Lock order: the stage pipeline's lock, then this one.</para>
/// </summary>
internal sealed class ModelBatcher
{
    /// <summary>Runners (buffer set and thread) per model: two runs may overlap, so one packs or finishes while the other computes.</summary>
    internal const int RunnerCount = 2;

    private readonly Lock _lock = new();
    private readonly Queue<PendingRequest> _queue = new();
    private readonly Stack<BatchBuffers> _free = new();
    private readonly List<PendingRequest> _expired = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly string _name;
    private readonly ModelContract _contract;
    private readonly ModelConfig _config;
    private readonly IBatchRunner _runner;
    private readonly IRunCompletion _completion;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SlotPacker _packer;
    private readonly DeadlineAdmission _admission;
    private readonly BatchTelemetry _telemetry;
    private readonly Action _recordDeadlineShed;
    private readonly BatchLoop _loop;
    private readonly RunWorkers<BatchBuffers> _workers;
    private readonly int _capacitySlots;
    private int _queuedSlots;
    private bool _stopping;
    private int _runs;
    private Task _stopped = Task.CompletedTask;

    /// <param name="name">The model's name.</param>
    /// <param name="contract">The model.</param>
    /// <param name="config">Its settings.</param>
    /// <param name="runner">Runs stage 0 (the model's only stage when it is not staged).</param>
    /// <param name="completion">What follows a successful run: <see cref="PlainCompletion"/> or <see cref="StagedCompletion"/>.</param>
    /// <param name="time">The clock of delays, deadlines and timings.</param>
    /// <param name="logger">Where failed runs are reported.</param>
    public ModelBatcher(
        string name, ModelContract contract, ModelConfig config, IBatchRunner runner, IRunCompletion completion, TimeProvider time, ILogger logger)
    {
        _name = name;
        _contract = contract;
        _config = config;
        _runner = runner;
        _completion = completion;
        _time = time;
        _logger = logger;
        _packer = new SlotPacker(contract, config.MaxRowsPerRun);
        _capacitySlots = config.MaxRowsPerRun * contract.Slots;
        _admission = new DeadlineAdmission(name, _capacitySlots, time);
        _telemetry = new BatchTelemetry(name, contract, time);
        _recordDeadlineShed = () => _telemetry.RecordShed(ShedReason.Deadline);
        for (var i = 0; i < RunnerCount; i++)
        {
            _free.Push(new BatchBuffers(contract, config.MaxRowsPerRun, completion.CreateOutputs(config.MaxRowsPerRun)));
        }

        _loop = new BatchLoop(time, Step, LoopFailed);
        _workers = new RunWorkers<BatchBuffers>(name, RunnerCount, Execute);
    }

    /// <summary>Runs so far (warm-up included), counted as they start; of a staged model, stage-0 runs.</summary>
    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Runs of stage <paramref name="stage"/> so far, warm-up included (a model that is not staged has stage 0 only: <see cref="Runs"/>).</summary>
    public long StageRuns(int stage) => stage == 0 ? Runs : _completion.StageRuns(stage);

    /// <summary>Rows run by stage <paramref name="stage"/> so far, warm-up included; null when the model is not staged.</summary>
    public long? StageRows(int stage) => _completion.StageRows(stage);

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

    /// <summary>The expected duration of one run (see <see cref="DeadlineAdmission.RunEstimate"/>). Zero before any run.</summary>
    public TimeSpan RunEstimate
    {
        get
        {
            lock (_lock)
            {
                return _admission.RunEstimate;
            }
        }
    }

    /// <summary>The provider the runs use (it changes when the circuit breaker moves the model to CPU); null for test runners.</summary>
    public Onnx.ExecutionProviderResult? ExecutionProvider => _runner.ExecutionProvider;

    /// <summary>
    /// Where runs, queue times, sheds, stage rows and exits are recorded; null (nothing recorded) until the repository
    /// sets it after warm-up.
    /// </summary>
    internal ServingMetrics? Metrics
    {
        get => _telemetry.Metrics;
        set
        {
            _telemetry.Metrics = value;
            _completion.Metrics = value;
        }
    }

    /// <summary>Test hook: called by the loop each time it goes to sleep, with how long it will sleep at most.</summary>
    internal Action<TimeSpan>? Sleeping
    {
        get => _loop.Sleeping;
        set => _loop.Sleeping = value;
    }

    /// <summary>Starts the loop and the run threads. Call once, after <see cref="WarmUp"/>.</summary>
    public void Start()
    {
        _completion.Start(HasWork);
        _workers.Start();
        _loop.Start();
        _stopped = FinishAsync();
    }

    /// <summary>Takes ownership of <paramref name="request"/> (and its rented item) or throws without keeping it.</summary>
    /// <exception cref="ServingException">ResourceExhausted when the queue is full; Unavailable after <see cref="StopAsync"/>;
    /// DeadlineExceeded when the runs ahead cannot meet its deadline.</exception>
    public void Submit(PendingRequest request, CancellationToken cancellationToken)
    {
        // Registered before the request is published to the loop, so the registration is complete when packing
        // disposes it. An already cancelled token drops the request right here, synchronously.
        request.WatchCancellation(cancellationToken);
        lock (_lock)
        {
            if (Refusal(request, 0, 0) is { } refusal)
            {
                request.StopWatching();
                throw refusal;
            }

            if (!request.IsQueued)
            {
                return;
            }

            Enqueue(request);
        }

        _loop.Wake();
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
            // The call's last item is checked with its other items counted as ahead of it: room in the queue for all of
            // them, and time before the call's one deadline for all of their runs. A call whose items all fit the next
            // run of an empty queue is admitted, as a single request that would run next is.
            var last = requests[^1];
            var slotsBefore = _queuedSlots == 0 && slots <= _capacitySlots ? 0 : slots - last.EnsembleSize;
            if (Refusal(last, requests.Count - 1, slotsBefore) is { } refusal)
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
                    Enqueue(request);
                }
            }
        }

        _loop.Wake();
    }

    /// <summary>Refuses new requests, runs every queued one (and every row waiting for a later stage), and returns when the last run has completed.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        _loop.Wake();
        return _stopped;
    }

    /// <summary>
    /// Shutdown's grace period has ended: every request still queued (or waiting for a later stage) fails Unavailable at once, and runs in progress
    /// are stopped (ORT's terminate flag) and fail Unavailable. <see cref="StopAsync"/>'s task then completes.
    /// </summary>
    /// <returns>How many queued requests were failed.</returns>
    public int Abort()
    {
        var failed = FailQueued(ServingErrors.GraceEnded(_name)) + _completion.Abort();
        _abort.Cancel();
        _loop.Wake();
        return failed;
    }

    /// <summary>
    /// Runs all-zero items before <see cref="Start"/>, through the same packing, run and completion as requests, inline
    /// on the caller's thread: one run per supported k (a model whose warm-up gives anything but a distribution, or of a
    /// regression model finite means and variances, is refused), then one run of each row count up to <see cref="WarmUpRowCounts"/> and of the largest. ONNX Runtime
    /// plans a run's memory for each input shape on its first run of that shape, and a run's B follows the queue, so
    /// without this the first seconds of load pay a first run at every B.
    /// </summary>
    /// <exception cref="ModelContractException">The outputs are not finite or (of a classifier) do not sum to 1.</exception>
    public void WarmUp()
    {
        foreach (var k in _contract.EnsembleSizes)
        {
            var prediction = WarmUpRun(k, 1)[0];
            if (prediction.Regression is { } targets)
            {
                if (targets.FirstOrDefault(t => !float.IsFinite(t.Mean) || !float.IsFinite(t.Variance)) is { Name: not null } broken)
                {
                    throw new ModelContractException(
                        $"output '{_contract.OutputName}'", $"warm-up with k={k} gave target '{broken.Name}' mean {broken.Mean} and variance {broken.Variance}; the outputs are not finite.");
                }

                continue;
            }

            var sum = System.Numerics.Tensors.TensorPrimitives.Sum(prediction.Probabilities);
            if (!float.IsFinite(sum) || Math.Abs(sum - 1) > 1e-3)
            {
                throw new ModelContractException(
                    $"output '{_contract.OutputName}'", $"warm-up with k={k} gave probabilities summing to {sum}; the logits are not finite.");
            }
        }

        // Requests of the largest k: as few per row as the model allows.
        var largest = _contract.EnsembleSizes.Max();
        var perRow = Math.Max(1, _contract.Slots / largest);
        var maxRows = _config.MaxRowsPerRun;
        foreach (var rows in Enumerable.Range(2, Math.Max(0, Math.Min(maxRows, WarmUpRowCounts) - 1)).Append(maxRows).Distinct().Where(r => r > 1))
        {
            WarmUpRun(largest, rows * perRow);
        }
    }

    /// <summary>Row counts warmed one by one (every B up to this; beyond it only the model's largest B).</summary>
    internal const int WarmUpRowCounts = 64;

    /// <summary>One warm-up run of <paramref name="count"/> all-zero requests of ensemble size <paramref name="k"/>; their predictions.</summary>
    private Ensembles.Prediction[] WarmUpRun(int k, int count)
    {
        var requests = new PendingRequest[count];
        var zeros = ItemSource.Floats(new float[_contract.ItemLength]);
        BatchBuffers buffers;
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                // Every stage of a staged model runs: full.
                requests[i] = new PendingRequest(_name, $"warm-up k={k}", zeros, k, 0, false, _time.GetTimestamp(), null) { ExitPolicy = Requests.ExitPolicy.Full };
                Enqueue(requests[i]);
            }

            // The first runs of a session are its slowest: only the last warm-up run seeds the estimate.
            _admission.Reset();
            buffers = _free.Pop();
            Take(buffers);
        }

        Seal(buffers);
        Execute(buffers);
        _completion.Flush();
        return [.. requests.Select(r => r.Task.GetAwaiter().GetResult())];
    }

    /// <summary>
    /// Admission, under the lock: the refusal of <paramref name="request"/> (the batcher is stopping, the queue is full,
    /// or its deadline is nearer than the runs ahead need; each counted as shed for its reason), or null to admit it. <paramref name="inputsBefore"/> and
    /// <paramref name="slotsBefore"/> count inputs of the same call admitted before it but not yet enqueued (0 for a
    /// single request), so that several requests can be checked first and enqueued together.
    /// </summary>
    private ServingException? Refusal(PendingRequest request, int inputsBefore, int slotsBefore)
    {
        if (_stopping || _queue.Count + inputsBefore >= _config.QueueSize)
        {
            _telemetry.RecordShed(_stopping ? ShedReason.ShuttingDown : ShedReason.QueueFull);
            return _stopping ? ServingErrors.ShuttingDown(_name) : ServingErrors.QueueFull(_name, _config.QueueSize);
        }

        if (_admission.Refusal(request, _queue.Count + inputsBefore, _queuedSlots + slotsBefore) is { } late)
        {
            _telemetry.RecordShed(ShedReason.Deadline);
            return late;
        }

        return null;
    }

    /// <summary>Under the lock: appends an admitted request to the queue.</summary>
    private void Enqueue(PendingRequest request)
    {
        _queue.Enqueue(request);
        _queuedSlots += request.EnsembleSize;
    }

    /// <summary>Whether stage 0 has requests queued or runs in progress (a later stage may still get rows from it).</summary>
    private bool HasWork()
    {
        lock (_lock)
        {
            return _queue.Count > 0 || _free.Count < RunnerCount;
        }
    }

    /// <summary>
    /// The loop's step (see the class summary): with a free runner and inputs that may run now, dequeues a batch into the
    /// runner's buffer set under the lock, then seals it and posts it to the run threads outside the lock. Done once
    /// stopping with the queue empty and every runner free (every run has completed its requests).
    /// </summary>
    private TimeSpan? Step()
    {
        BatchBuffers buffers;
        lock (_lock)
        {
            AssertInvariants();
            if (_queue.Count == 0)
            {
                return _stopping && _free.Count == RunnerCount ? null : Timeout.InfiniteTimeSpan;
            }

            if (_free.Count == 0)
            {
                // Every runner is busy: the inputs gather until one is free (its run's end wakes the loop).
                return Timeout.InfiniteTimeSpan;
            }

            if (_config.GatherWhenIdle && !_stopping && _queuedSlots < _capacitySlots)
            {
                var left = _config.MaxQueueDelay - _time.GetElapsedTime(_queue.Peek().AcceptedTimestamp);
                if (left > TimeSpan.Zero)
                {
                    return left;
                }
            }

            buffers = _free.Pop();
            Take(buffers);
        }

        Seal(buffers);
        if (buffers.Count == 0)
        {
            // Everything taken had been dropped already.
            Release(buffers);
            return TimeSpan.Zero;
        }

        _workers.Post(buffers);
        return TimeSpan.Zero;
    }

    /// <summary>
    /// Under the lock: dequeues waiting requests in arrival order into <paramref name="buffers"/> until the next one does
    /// not fit. Requests already dropped (cancelled) are skipped; those past their deadline are set aside for
    /// <see cref="Seal"/> to drop, never run.
    /// </summary>
    private void Take(BatchBuffers buffers)
    {
        _packer.Reset();
        var now = _time.GetUtcNow();
        while (_queue.TryPeek(out var request))
        {
            if (request.IsQueued && (request.Deadline is null || request.Deadline > now))
            {
                if (!_packer.TryFind(request.EnsembleSize, out var row, out var group))
                {
                    break;
                }

                Dequeue();
                if (request.TryTake())
                {
                    _packer.Commit(row, group);
                    buffers.Add(request, row, group);
                }
            }
            else
            {
                Dequeue();
                _expired.Add(request);
            }
        }
    }

    /// <summary>Outside the lock, on the loop: drops the expired requests <see cref="Take"/> set aside and copies the batch into its pinned input.</summary>
    private void Seal(BatchBuffers buffers)
    {
        // TryDrop does nothing to a request that a cancellation already dropped; the shed is counted before the
        // caller sees its error.
        foreach (var request in _expired)
        {
            request.TryDrop(ServingErrorKind.DeadlineExceeded, _recordDeadlineShed);
        }

        _expired.Clear();
        buffers.Seal(_packer);
    }

    private void Dequeue() => _queuedSlots -= _queue.Dequeue().EnsembleSize;

    /// <summary>
    /// Runs one sealed batch and completes it, on a runner's thread (inline during warm-up); never under the lock. A
    /// failed run fails this batch's requests only; so does an exception after the run (recording it, or the
    /// completion): its requests not answered yet fail, and the buffer set always goes back to its runner.
    /// </summary>
    private void Execute(BatchBuffers buffers)
    {
        Interlocked.Increment(ref _runs);
        var start = _time.GetTimestamp();
        Exception? failure = null;
        try
        {
            _runner.Run(buffers, _abort.Token);
        }
        catch (Exception e)
        {
            failure = e;
        }

        var elapsed = _time.GetElapsedTime(start);
        try
        {
            if (failure is null)
            {
                lock (_lock)
                {
                    _admission.Record(elapsed);
                }
            }

            _telemetry.RecordRun(buffers, start, elapsed);
            _completion.Counted(buffers.Rows);
            if (failure is not null)
            {
                BatcherLog.RunFailed(_logger, failure, _name, buffers.Rows, buffers.Count);
                Fail(buffers, ServingErrors.RunFailed(_name, failure, _abort.IsCancellationRequested, buffers.Rows, buffers.Count));
            }
            else
            {
                _completion.Complete(buffers, new RunFacts(start, elapsed, buffers.Rows, buffers.Count));
            }
        }
        catch (Exception e)
        {
            BatcherLog.CompletionFailed(_logger, e, _name, 0, buffers.Rows, buffers.Count);
            Fail(buffers, ServingErrors.CompletionFailed(_name, 0, e));
        }
        finally
        {
            Release(buffers);
            _completion.RunEnded();
        }
    }

    /// <summary>Fails every request of the batch that has no answer yet (one already answered keeps its answer).</summary>
    private static void Fail(BatchBuffers buffers, ServingException error)
    {
        for (var i = 0; i < buffers.Count; i++)
        {
            buffers.Request(i).Fail(error);
        }
    }

    /// <summary>Gives a buffer set back to its runner and wakes the loop: inputs may have gathered while every runner was busy.</summary>
    private void Release(BatchBuffers buffers)
    {
        buffers.Clear();
        lock (_lock)
        {
            _free.Push(buffers);
        }

        _loop.Wake();
    }

    private async Task FinishAsync()
    {
        await _loop.Completion.ConfigureAwait(false);
        _workers.Stop();
        // Stage 0 is done: the later stages run what waits for them without waiting for more.
        await _completion.StopAsync().ConfigureAwait(false);
    }

    private void LoopFailed(Exception e)
    {
        BatcherLog.LoopFailed(_logger, e, _name);
        FailQueued(new ServingException(ServingErrorKind.Internal, $"The batcher of model '{_name}' failed: {e.Message}", e));
    }

    /// <summary>Stops the batcher and fails every request still queued (dropped ones are already answered); returns how many it failed.</summary>
    private int FailQueued(ServingException error)
    {
        List<PendingRequest> failed;
        lock (_lock)
        {
            _stopping = true;
            failed = [.. _queue];
            _queue.Clear();
            _queuedSlots = 0;
        }

        var count = 0;
        foreach (var request in failed)
        {
            if (request.TryTake())
            {
                request.Fail(error);
                count++;
            }
        }

        return count;
    }

    /// <summary>Under the lock: the slot count is the queue's, and no runner is lost or counted twice.</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_queuedSlots == _queue.Sum(r => r.EnsembleSize), $"{_queuedSlots} slots counted for a queue holding {_queue.Sum(r => r.EnsembleSize)}");
        Debug.Assert(_free.Count is >= 0 and <= RunnerCount, $"{_free.Count} free runners of {RunnerCount}");
    }
}
