using System.Threading.Channels;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The scheduling loop shared by the batcher (stage 0) and the stage pipeline (later stages), after Triton's batcher
/// thread: it calls its owner's step, which decides under the owner's lock what can run now, hands it to a run worker
/// and says how long the loop may sleep: <see cref="TimeSpan.Zero"/> to step again at once,
/// <see cref="Timeout.InfiniteTimeSpan"/> until woken, a positive span at most that long (a <see cref="TimeProvider"/>
/// timer, so tests move time by hand), null when the owner is done. It sleeps on a one-slot channel (an auto-reset
/// signal) that <see cref="Wake"/> and the timer write to: a wake-up that arrives between a step and the sleep is
/// kept, so none is lost. The loop runs no model and holds no lock while it sleeps.
/// </summary>
internal sealed class BatchLoop
{
    private readonly Channel<bool> _wake =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Func<TimeSpan?> _step;
    private readonly Action<Exception> _failed;
    private readonly ITimer _timer;
    private Task _completion = Task.CompletedTask;

    /// <param name="time">The clock of the timer.</param>
    /// <param name="step">The owner's step (see the class summary); called by the loop only, one call at a time.</param>
    /// <param name="failed">Called once if a step throws; the loop then ends.</param>
    public BatchLoop(TimeProvider time, Func<TimeSpan?> step, Action<Exception> failed)
    {
        _step = step;
        _failed = failed;
        _timer = time.CreateTimer(static state => ((BatchLoop)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Test hook: called each time the loop goes to sleep, with how long it will sleep at most.</summary>
    public Action<TimeSpan>? Sleeping { get; set; }

    /// <summary>Completes when the step has said it is done (or failed).</summary>
    public Task Completion => _completion;

    /// <summary>Starts the loop; call once.</summary>
    public void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Something changed (a request, a free runner, a stop): the loop steps again. Never blocks.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    private async Task RunAsync()
    {
        try
        {
            while (_step() is { } sleep)
            {
                if (sleep == TimeSpan.Zero)
                {
                    continue;
                }

                _timer.Change(sleep, Timeout.InfiniteTimeSpan);
                Sleeping?.Invoke(sleep);
                await _wake.Reader.ReadAsync().ConfigureAwait(false);
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            _failed(e);
        }
        finally
        {
            _timer.Dispose();
        }
    }
}
