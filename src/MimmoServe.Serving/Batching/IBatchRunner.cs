using MimmoServe.Onnx;

namespace MimmoServe.Serving.Batching;

/// <summary>Runs the model over one packed batch (inputs in, logits out, in place). A seam for fault injection in tests.</summary>
internal interface IBatchRunner
{
    /// <summary>The provider the next run uses; null when the runner is not a session's (tests).</summary>
    ExecutionProviderResult? ExecutionProvider => null;

    /// <param name="buffers">The sealed batch.</param>
    /// <param name="cancellationToken">Stops a running run (the grace period of a shutdown ended): OperationCanceledException.</param>
    /// <exception cref="ServingException">DeadlineExceeded: the run took longer than run_timeout_ms and was stopped.</exception>
    void Run(BatchBuffers buffers, CancellationToken cancellationToken);
}
