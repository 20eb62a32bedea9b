using MimmoServe.Serving.Batching;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>
/// Runs batches on the real ONNX Runtime session and counts them; throws instead of running any batch that holds
/// the request id <c>failId</c> (fault injection: the counts prove what ran, the failure proves whom it reaches).
/// </summary>
internal sealed class CountingRunner(IBatchRunner inner, string? failId) : IBatchRunner
{
    private int _runs;
    private int _requests;

    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Requests that went into a run, failed runs included.</summary>
    public int RequestsRun => Volatile.Read(ref _requests);

    public void Run(BatchBuffers buffers, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _requests, buffers.Count);
        for (var i = 0; i < buffers.Count; i++)
        {
            if (buffers.Request(i).Id == failId)
            {
                throw new InvalidOperationException($"injected failure of the run holding {failId}");
            }
        }

        inner.Run(buffers, cancellationToken);
    }
}
