using MimmoServe.Serving.Batching;

namespace MimmoServe.Serving.Tests.Staged;

/// <summary>
/// Once <see cref="Arm"/>ed (after warm-up), holds the next <paramref name="held"/> stage-0 runs before they run until the
/// test calls <see cref="Release"/> (or the batcher's abort token stops them), so a test knows which batches exist
/// before any of them runs.
/// </summary>
internal sealed class HeldRunner(IBatchRunner inner, int held) : IBatchRunner
{
    private readonly TaskCompletionSource _allHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _release = new();
    private int _entered;
    private volatile bool _armed;

    /// <summary>Completes when <c>held</c> runs are waiting.</summary>
    public Task AllHeld => _allHeld.Task;

    public void Arm() => _armed = true;

    public void Release() => _release.Set();

    public void Run(BatchBuffers buffers, CancellationToken cancellationToken)
    {
        var entered = _armed ? Interlocked.Increment(ref _entered) : int.MaxValue;
        if (entered <= held)
        {
            if (entered == held)
            {
                _allHeld.TrySetResult();
            }

            _release.Wait(cancellationToken);
        }

        inner.Run(buffers, cancellationToken);
    }
}
