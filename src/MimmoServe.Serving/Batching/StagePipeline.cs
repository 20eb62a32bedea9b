using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The staged executor of an early-exit model (family jeidnn) after stage 0: the <see cref="ModelBatcher"/> forms and
/// runs stage-0 batches as for any model and hands each run's outputs to <see cref="SettleFirst"/>. After stage s runs,
/// every request of a row decides (its <see cref="Requests.ExitPolicy"/>): one that stops is answered at once from exit s;
/// a row with any request left has its next_activation row copied into the queue of stage s+1. Rows waiting for a stage
/// are re-batched across the runs that sent them: one loop starts a run of stage s when max_rows_per_run rows wait, or
/// the oldest has waited max_queue_delay_ms, or nothing upstream (stage-0 queue, runs of stages before s, rows waiting
/// for them) could add rows, or the model is stopping; at most <see cref="RunsAtOncePerStage"/> runs per stage at once.
/// <para>Threading: <c>_lock</c> guards the stage queues and the flags, and is held to copy a row in and to choose runs;
/// runs, completions and wake-ups happen outside it. Lock order: this lock, then the batcher's (its queue length).</para>
/// </summary>
internal sealed partial class StagePipeline
{
    /// <summary>Runs of one later stage that may be in progress at once, as the batcher's two buffer sets for stage 0.</summary>
    internal const int RunsAtOncePerStage = ModelBatcher.BufferCount;

    private readonly Lock _lock = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly string _name;
    private readonly ModelContract _contract;
    private readonly ModelStages _stages;
    private readonly ModelConfig _config;
    private readonly OnnxBatchRunner?[] _runners;
    private readonly StageQueue?[] _queues;
    private readonly StageBuffers?[] _toRun;
    private readonly string[] _indexTags;
    private readonly long[] _runs;
    private readonly long[] _rows;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationToken _abort;
    private Func<bool> _upstreamQueued = static () => false;
    private int _upstreamRuns;
    private bool _stopping;
    private bool _upstreamDone;
    private ServingException? _failure;
    private Task _loop = Task.CompletedTask;

    /// <param name="name">The model's name.</param>
    /// <param name="contract">The model; <see cref="ModelContract.Stages"/> is set.</param>
    /// <param name="sessions">The later stages' sessions and every stage's layout.</param>
    /// <param name="config">max_rows_per_run, max_queue_delay_ms and run_timeout_ms apply to every stage.</param>
    /// <param name="time">The clock of the delay and of the run timeout.</param>
    /// <param name="logger">Where failed runs are reported.</param>
    /// <param name="abort">Cancelled when shutdown's grace ends: stops running runs.</param>
    public StagePipeline(string name, ModelContract contract, StageSessions sessions, ModelConfig config, TimeProvider time, ILogger logger, CancellationToken abort)
    {
        _name = name;
        _contract = contract;
        _stages = contract.Stages ?? throw new ArgumentException("the model is not staged", nameof(contract));
        _config = config;
        _time = time;
        _logger = logger;
        _abort = abort;
        var count = _stages.Count;
        _runners = new OnnxBatchRunner?[count];
        _queues = new StageQueue?[count];
        _toRun = new StageBuffers?[count];
        _runs = new long[count];
        _rows = new long[count];
        _indexTags = [.. Enumerable.Range(0, count).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        for (var s = 1; s < count; s++)
        {
            _runners[s] = new OnnxBatchRunner(sessions.Session(s), name, config.RunTimeout, time);
            _queues[s] = new StageQueue(s, contract, sessions.Layout(s - 1), sessions.Layout(s), config.MaxRowsPerRun);
        }

        _timer = time.CreateTimer(static state => ((StagePipeline)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Where stage rows and exits are recorded; null until the repository sets it after warm-up.</summary>
    internal Telemetry.ServingMetrics? Metrics { get; set; }

    /// <summary>Test hook: called by the loop each time it goes to sleep, with how long it will sleep at most.</summary>
    internal Action<TimeSpan>? Sleeping { get; set; }

    /// <summary>S.</summary>
    public int StageCount => _stages.Count;

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

    /// <summary>Starts the loop, after warm-up. <paramref name="upstreamQueued"/> says whether stage 0's queue holds requests.</summary>
    public void Start(Func<bool> upstreamQueued)
    {
        _upstreamQueued = upstreamQueued;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>A stage-0 batch was formed: rows may come (the later stages wait for it rather than run half empty).</summary>
    public void BeginUpstream() => Interlocked.Increment(ref _upstreamRuns);

    /// <summary>A stage-0 run has settled (its rows are queued for stage 1).</summary>
    public void EndUpstream()
    {
        Interlocked.Decrement(ref _upstreamRuns);
        Wake();
    }

    /// <summary>Copies a row that goes on into the queue of <paramref name="stage"/>; fails its requests after an abort (or a failure of the loop).</summary>
    private void Enqueue(int stage, ReadOnlySpan<float> activation, ReadOnlySpan<RowEntry> entries)
    {
        ServingException? failure;
        lock (_lock)
        {
            failure = _failure;
            if (failure is null)
            {
                _queues[stage]!.Add(activation, entries, _time.GetTimestamp());
            }
        }

        if (failure is not null)
        {
            Fail(entries, failure);
        }

        Wake();
    }

    private static int Fail(ReadOnlySpan<RowEntry> entries, Exception error)
    {
        foreach (var entry in entries)
        {
            entry.Request.Fail(error);
        }

        return entries.Length;
    }

    private void Wake() => _wake.Writer.TryWrite(true);
}
