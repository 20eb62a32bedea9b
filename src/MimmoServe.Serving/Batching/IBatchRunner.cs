namespace MimmoServe.Serving.Batching;

/// <summary>Runs the model over one packed batch (inputs in, logits out, in place). A seam for fault injection in tests.</summary>
internal interface IBatchRunner
{
    void Run(BatchBuffers buffers);
}
