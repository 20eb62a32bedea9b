using MimmoServe.Onnx;

namespace MimmoServe.Serving.Batching;

/// <summary>Runs a batch on an ONNX Runtime session, over the batch's own pinned buffers (nothing copied or allocated).</summary>
internal sealed class OnnxBatchRunner(OnnxSession session) : IBatchRunner
{
    public void Run(BatchBuffers buffers) => session.Run(buffers.Inputs, buffers.Outputs);
}
