using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The staged executor of an early-exit model (family jeidnn) after stage 0: the <see cref="ModelBatcher"/> forms and
/// runs stage-0 batches as for any model, and its <see cref="StagedCompletion"/> hands the rows that go on to
/// <see cref="Enqueue"/>. After stage s runs, every request of a row decides (<see cref="ExitDecider"/>): one that stops
/// is answered at once from exit s; a row with any request left has its next_activation row copied into the queue of
/// stage s+1. Rows waiting for a stage are re-batched across the runs that sent them.
/// <para>When a stage runs: a stage has <see cref="RunsAtOncePerStage"/> runners. By default a free runner starts a run
/// at once with the rows waiting (up to a full set), so the engine never idles while rows wait, and rows gather only
/// while every runner of their stage is busy. With gather_when_idle a free runner waits, as stage 0 does, until a set
/// is full, or its oldest row has waited max_queue_delay_ms, or nothing upstream (stage-0 queue and runs, runs of
/// stages before s, rows waiting for them) could add rows, or the model is stopping.</para>
/// <para>Threading: <c>_lock</c> guards the stage queues (their sets and runs in progress) and the flags; it is held to
/// copy rows in and to choose runs. Runs (on dedicated threads), completions and wake-ups happen outside it. Lock
/// order: this lock, then the batcher's (asked whether stage 0 is busy).</para>
/// </summary>
internal sealed class StagePipeline
{
    /// <summary>Runs of one later stage that may be in progress at once, as the batcher's runners for stage 0.</summary>
    internal const int RunsAtOncePerStage = ModelBatcher.RunnerCount;

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly string _name;
    private readonly ModelStages _stages;
    private readonly ModelConfig _config;
    private readonly IStageRunner?[] _runners;
    private readonly StageQueue?[] _queues;
    private readonly List<StageBuffers> _toRun = [];
    private readonly long[] _runs;
    private readonly long[] _rows;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BatchLoop _loop;
    private readonly RunWorkers<StageBuffers> _workers;
    private Func<bool> _upstreamBusy = static () => false;
    private bool _stopping;
    private bool _upstreamDone;
    private ServingException? _failure;
    private Task _stopped = Task.CompletedTask;

    /// <param name="name">The model's name.</param>
    /// <param name="contract">The model; <see cref="ModelContract.Stages"/> is set.</param>
    /// <param name="sessions">The later stages' sessions (they stay the caller's) and every stage's layout.</param>
    /// <param name="config">max_rows_per_run, max_queue_delay_ms, gather_when_idle and run_timeout_ms apply to every stage.</param>
    /// <param name="time">The clock of the delay and of the run timeout.</param>
    /// <param name="logger">Where failed runs are reported.</param>
    /// <param name="wrap">Tests: wraps stage s's runner.</param>
    public StagePipeline(string name, ModelContract contract, StageSessions sessions, ModelConfig config, TimeProvider time, ILogger logger,
        Func<int, IStageRunner, IStageRunner>? wrap = null)
    {
        _name = name;
        _stages = contract.Stages ?? throw new ArgumentException("the model is not staged", nameof(contract));
        _config = config;
        _time = time;
        _logger = logger;
        var count = _stages.Count;
        _runners = new IStageRunner?[count];
        _queues = new StageQueue?[count];
        _runs = new long[count];
        _rows = new long[count];
        for (var s = 1; s < count; s++)
        {
            IStageRunner runner = new OnnxBatchRunner(sessions.Session(s), name, config.RunTimeout, time);
            _runners[s] = wrap is null ? runner : wrap(s, runner);
            _queues[s] = new StageQueue(s, contract, sessions.Layout(s - 1), sessions.Layout(s), config.MaxRowsPerRun);
        }

        Decider = new ExitDecider(name, contract, time);
        _loop = new BatchLoop(time, Step, LoopFailed);
        _workers = new RunWorkers<StageBuffers>(name, RunsAtOncePerStage * (count - 1), RunStage);
    }

    /// <summary>Decides every stage's exits, stage 0's included.</summary>
    public ExitDecider Decider { get; }

    /// <summary>Where stage rows and exits are recorded; null until the repository sets it after warm-up.</summary>
    internal ServingMetrics? Metrics
    {
        get => Decider.Metrics;
        set => Decider.Metrics = value;
    }

    /// <summary>Test hook: called by the loop each time it goes to sleep, with how long it will sleep at most.</summary>
    internal Action<TimeSpan>? Sleeping
    {
        get => _loop.Sleeping;
        set => _loop.Sleeping = value;
    }

    /// <summary>Runs of stage <paramref name="stage"/> so far (warm-up included).</summary>
    public long StageRuns(int stage) => Interlocked.Read(ref _runs[stage]);

    /// <summary>Rows run by stage <paramref name="stage"/> so far (warm-up included).</summary>
    public long StageRows(int stage) => Interlocked.Read(ref _rows[stage]);

    /// <summary>Rows waiting for a later stage.</summary>
    public int WaitingRows
    {
        get
        {
            lock (_lock)
            {
                return _queues.Sum(q => q is null ? 0 : q.WaitingRows);
            }
        }
    }

    /// <summary>
    /// Starts the loop and the run threads, after warm-up. <paramref name="upstreamBusy"/> says whether stage 0 has
    /// queued requests or runs in progress.
    /// </summary>
    public void Start(Func<bool> upstreamBusy)
    {
        _upstreamBusy = upstreamBusy;
        _workers.Start();
        _loop.Start();
        _stopped = FinishAsync();
    }

    /// <summary>Stage 0 has stopped for good: runs every waiting row without waiting and completes when none is left.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
            _upstreamDone = true;
        }

        _loop.Wake();
        return _stopped;
    }

    /// <summary>
    /// Shutdown's grace ended: every row waiting for a later stage fails Unavailable (so does any row that arrives later)
    /// and runs in progress are stopped.
    /// </summary>
    /// <returns>How many requests were failed.</returns>
    public int Abort()
    {
        var failed = FailWaiting(ServingErrors.GraceEnded(_name));
        _abort.Cancel();
        return failed;
    }

    /// <summary>Warm-up, before <see cref="Start"/>: runs every waiting row of every later stage inline, shallow to deep.</summary>
    public void Flush()
    {
        for (var s = 1; s < _queues.Length; s++)
        {
            while (true)
            {
                StageBuffers? buffers;
                lock (_lock)
                {
                    buffers = _queues[s]!.Take();
                    if (buffers is null)
                    {
                        break;
                    }

                    _queues[s]!.InFlight++;
                }

                RunStage(buffers);
            }
        }
    }

    /// <summary>Something changed upstream (a stage-0 run ended): the loop chooses again.</summary>
    public void Wake() => _loop.Wake();

    /// <summary>Counts a run of <paramref name="stage"/> over <paramref name="rows"/> rows (stage 0's are counted here too).</summary>
    public void RecordStageRun(int stage, int rows)
    {
        Interlocked.Increment(ref _runs[stage]);
        Interlocked.Add(ref _rows[stage], rows);
        Metrics?.StageRows.Add(rows, new(TelemetryNames.ModelTag, _name), new(TelemetryNames.StageTag, Decider.Tag(stage)));
    }

    /// <summary>
    /// Copies the rows that go on from a run of stage <paramref name="stage"/> - 1 into the queue of <paramref name="stage"/>,
    /// all in one step (<paramref name="kept"/> is grouped by row, each row's activation in <paramref name="outputs"/>).
    /// After an abort (or a failure of the loop) their requests fail instead.
    /// </summary>
    public void Enqueue(int stage, StageOutputs outputs, ReadOnlySpan<RowEntry> kept)
    {
        if (kept.IsEmpty)
        {
            return;
        }

        ServingException? failure;
        lock (_lock)
        {
            failure = _failure;
            if (failure is null)
            {
                var now = _time.GetTimestamp();
                for (var start = 0; start < kept.Length;)
                {
                    var end = start + 1;
                    while (end < kept.Length && kept[end].Row == kept[start].Row)
                    {
                        end++;
                    }

                    _queues[stage]!.Add(outputs.Activation(kept[start].Row), kept[start..end], now);
                    start = end;
                }
            }
        }

        if (failure is not null)
        {
            Fail(kept, failure);
        }

        _loop.Wake();
    }

    private async Task FinishAsync()
    {
        await _loop.Completion.ConfigureAwait(false);
        _workers.Stop();
    }

    /// <summary>
    /// The loop's step, under the lock, shallow to deep: takes at most one set per stage whose runner is free and that
    /// may run now (see the class summary); posts them outside the lock. Done when stopping, with stage 0 finished and
    /// nothing waiting or running; otherwise sleeps until the oldest waiting row's delay ends (gather_when_idle) or a wake.
    /// </summary>
    private TimeSpan? Step()
    {
        var sleep = Timeout.InfiniteTimeSpan;
        lock (_lock)
        {
            AssertInvariants();
            // Whether a shallower stage may still send rows to stage s: stage 0 queued or running, or any stage before s.
            var upstream = !_upstreamDone && _upstreamBusy();
            var busy = false;
            for (var s = 1; s < _queues.Length; s++)
            {
                var queue = _queues[s]!;
                if (queue.HasRows && queue.InFlight < RunsAtOncePerStage)
                {
                    var waited = _time.GetElapsedTime(queue.OldestTimestamp);
                    if (!_config.GatherWhenIdle || queue.HasFull || _stopping || !upstream || waited >= _config.MaxQueueDelay)
                    {
                        _toRun.Add(queue.Take()!);
                        queue.InFlight++;
                    }
                    else
                    {
                        var left = _config.MaxQueueDelay - waited;
                        sleep = sleep == Timeout.InfiniteTimeSpan || left < sleep ? left : sleep;
                    }
                }

                busy |= queue.HasRows || queue.InFlight > 0;
                upstream |= queue.HasRows || queue.InFlight > 0;
            }

            if (_toRun.Count == 0 && _stopping && _upstreamDone && !busy)
            {
                return null;
            }
        }

        if (_toRun.Count == 0)
        {
            return sleep;
        }

        foreach (var buffers in _toRun)
        {
            _workers.Post(buffers);
        }

        // Choose again at once: a stage may hold more full sets than one run takes.
        _toRun.Clear();
        return TimeSpan.Zero;
    }

    /// <summary>
    /// Runs one set of a later stage, answers or passes on its requests, and gives the set back (in a finally, so that
    /// no fault after the run loses the set or its runner). On a run thread, or inline at warm-up.
    /// </summary>
    private void RunStage(StageBuffers buffers)
    {
        var stage = buffers.Stage;
        var start = _time.GetTimestamp();
        Exception? failure = null;
        try
        {
            _runners[stage]!.Run(buffers.Inputs, buffers.Outputs.Tensors, _abort.Token);
        }
        catch (Exception e)
        {
            failure = e;
        }

        var elapsed = _time.GetElapsedTime(start);
        try
        {
            RecordStageRun(stage, buffers.Rows);
            if (failure is not null)
            {
                BatcherLog.StageRunFailed(_logger, failure, _name, stage, buffers.Rows, buffers.Count);
                Fail(buffers.Entries, ServingErrors.RunFailed(_name, failure, _abort.IsCancellationRequested, buffers.Rows, buffers.Count));
            }
            else
            {
                var facts = new RunFacts(start, elapsed, buffers.Rows, buffers.Count);
                var count = 0;
                for (var row = 0; row < buffers.Rows; row++)
                {
                    foreach (var entry in buffers.Row(row))
                    {
                        Decider.Decide(stage, buffers.Outputs, entry, facts, ref count);
                    }
                }

                if (stage < _stages.Count - 1)
                {
                    Enqueue(stage + 1, buffers.Outputs, buffers.Outputs.Scratch.Kept.AsSpan(0, count));
                }
            }
        }
        catch (Exception e)
        {
            BatcherLog.CompletionFailed(_logger, e, _name, stage, buffers.Rows, buffers.Count);
            Fail(buffers.Entries, ServingErrors.CompletionFailed(_name, stage, e));
        }
        finally
        {
            Finish(buffers, ran: true);
        }
    }

    /// <summary>Gives a set back for reuse; <paramref name="ran"/>: its run (counted in the stage's runs in progress) is over.</summary>
    private void Finish(StageBuffers buffers, bool ran)
    {
        buffers.Clear();
        lock (_lock)
        {
            var queue = _queues[buffers.Stage]!;
            if (ran)
            {
                queue.InFlight--;
            }

            queue.Return(buffers);
        }

        _loop.Wake();
    }

    private void LoopFailed(Exception e)
    {
        BatcherLog.LoopFailed(_logger, e, _name);
        FailWaiting(new ServingException(ServingErrorKind.Internal, $"The stage pipeline of model '{_name}' failed: {e.Message}", e));
    }

    /// <summary>Stops taking rows: every row waiting for a later stage fails with <paramref name="error"/>, and so does any row that arrives later.</summary>
    private int FailWaiting(ServingException error)
    {
        List<StageBuffers> waiting = [];
        lock (_lock)
        {
            _failure ??= error;
            _stopping = true;
            for (var s = 1; s < _queues.Length; s++)
            {
                while (_queues[s]!.Take() is { } buffers)
                {
                    waiting.Add(buffers);
                }
            }
        }

        var failed = 0;
        foreach (var buffers in waiting)
        {
            failed += Fail(buffers.Entries, error);
            Finish(buffers, ran: false);
        }

        _loop.Wake();
        return failed;
    }

    private static int Fail(ReadOnlySpan<RowEntry> entries, Exception error)
    {
        foreach (var entry in entries)
        {
            entry.Request.Fail(error);
        }

        return entries.Length;
    }

    /// <summary>Under the lock: no stage runs more than its runners allow, and a count never goes negative.</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        for (var s = 1; s < _queues.Length; s++)
        {
            Debug.Assert(_queues[s]!.InFlight is >= 0 and <= RunsAtOncePerStage, $"stage {s} has {_queues[s]!.InFlight} runs in progress");
        }
    }
}
