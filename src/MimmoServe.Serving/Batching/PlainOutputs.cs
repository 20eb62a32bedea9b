using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The output of a model that is not staged, for up to maxRows rows, allocated once and reused: logits [B, E, M, K]
/// (a plain classifier's [B, K] has the same layout as [B, 1, 1, K]) and scratch for unbinding one request.
/// </summary>
internal sealed class PlainOutputs : IRunOutputs
{
    private readonly PinnedBuffer<float> _logits;
    private readonly long[] _shape;
    private readonly int _rowLength;

    public PlainOutputs(ModelContract contract, int maxRows)
    {
        _rowLength = contract.Exits * contract.Slots * contract.NumClasses;
        _logits = new PinnedBuffer<float>(maxRows * _rowLength);
        _shape = contract.IsPlain ? [0, contract.NumClasses] : [0, contract.Exits, contract.Slots, contract.NumClasses];
        Tensors = [_logits.AsTensor(_shape)];
        Scratch = new float[_rowLength];
    }

    public TensorBuffer[] Tensors { get; }

    /// <summary>Unbinding scratch: one distribution per member of one request.</summary>
    public float[] Scratch { get; }

    public void SetRows(int rows) => _shape[0] = rows;

    /// <summary>logits[row] as [E, M, K].</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.Span.Slice(row * _rowLength, _rowLength);
}
