using MimmoServe.Onnx;
using MimmoServe.Serving.Batching;

namespace MimmoServe.Serving.Tests.Staged;

/// <summary>
/// Once <see cref="Arm"/>ed (after warm-up), holds the next <paramref name="held"/> runs of a later stage before they run
/// until the test calls <see cref="Release"/> (or the pipeline's abort token stops them): the stage's runners are busy.
/// </summary>
internal sealed class HeldStageRunner(IStageRunner inner, int held) : IStageRunner
{
    private readonly ManualResetEventSlim _release = new();
    private int _entered;
    private volatile bool _armed;

    /// <summary>Runs held so far.</summary>
    public int Entered => Math.Min(Volatile.Read(ref _entered), held);

    public void Arm() => _armed = true;

    public void Release() => _release.Set();

    public void Run(TensorBuffer[] inputs, TensorBuffer[] outputs, CancellationToken cancellationToken)
    {
        if (_armed && Interlocked.Increment(ref _entered) <= held)
        {
            _release.Wait(cancellationToken);
        }

        inner.Run(inputs, outputs, cancellationToken);
    }
}
