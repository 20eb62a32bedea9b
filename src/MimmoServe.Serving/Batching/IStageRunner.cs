using MimmoServe.Onnx;

namespace MimmoServe.Serving.Batching;

/// <summary>Runs one later stage of a staged model over caller-owned tensors. A seam for tests (to hold a stage's runs).</summary>
internal interface IStageRunner
{
    /// <exception cref="Errors.ServingException">DeadlineExceeded: the run took longer than run_timeout_ms and was stopped.</exception>
    void Run(TensorBuffer[] inputs, TensorBuffer[] outputs, CancellationToken cancellationToken);
}
