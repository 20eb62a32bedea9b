using MimmoServe.Serving.Batching;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>Runs the real session, then moves the manual clock by <see cref="RunTime"/>: each run takes that long as the batcher sees it.</summary>
internal sealed class ClockedRunner(IBatchRunner inner, ManualTimeProvider time, TimeSpan runTime) : IBatchRunner
{
    public TimeSpan RunTime { get; set; } = runTime;

    public void Run(BatchBuffers buffers, CancellationToken cancellationToken)
    {
        inner.Run(buffers, cancellationToken);
        time.Advance(RunTime);
    }
}
