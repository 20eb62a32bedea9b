using MimmoServe.Onnx;
using MimmoServe.Serving.Errors;
using Polly;
using Polly.Timeout;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Runs a batch on an ONNX Runtime session, over the batch's own pinned buffers (nothing copied or allocated), inside
/// a Polly timeout: when a run takes longer than <c>timeout</c>, the strategy cancels the run's token, the session sets
/// ORT's terminate flag (checked between nodes, so the run stops at the next node) and the run fails with a
/// DeadlineExceeded <see cref="ServingException"/>. The session stays usable: each cancellable run has its own run options.
/// </summary>
internal sealed class OnnxBatchRunner : IBatchRunner, IStageRunner
{
    private readonly OnnxSession _session;
    private readonly string _model;
    private readonly TimeSpan _timeout;
    private readonly ResiliencePipeline _pipeline;

    public OnnxBatchRunner(OnnxSession session, string model, TimeSpan timeout, TimeProvider time)
    {
        _session = session;
        _model = model;
        _timeout = timeout;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(timeout).Build();
    }

    public OnnxSession Session => _session;

    public ExecutionProviderResult ExecutionProvider => _session.ExecutionProvider;

    public void Run(BatchBuffers buffers, CancellationToken cancellationToken) => Run(buffers.Inputs, buffers.Outputs.Tensors, cancellationToken);

    /// <summary>One run over caller-owned tensors (a later stage of a staged model), inside the same timeout.</summary>
    public void Run(TensorBuffer[] inputs, TensorBuffer[] outputs, CancellationToken cancellationToken)
    {
        try
        {
            _pipeline.Execute(
                static (state, token) => state.Session.Run(state.Inputs, state.Outputs, token),
                (Session: _session, Inputs: inputs, Outputs: outputs),
                cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw ServingErrors.RunTimedOut(_model, _timeout, e);
        }
    }
}
