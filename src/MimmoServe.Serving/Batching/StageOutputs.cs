using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The pinned output buffers of one stage of a staged model for up to maxRows rows, allocated once and reused:
/// logits [B, 1, M, K], gate [B, M] and (not on the last stage) next_activation [B, *a], as tensors in the session's
/// output order, and the scratch for deciding their exits. B is written by <see cref="SetRows"/> before each run.
/// Owned by the buffer set that holds it.
/// </summary>
internal sealed class StageOutputs : IRunOutputs
{
    private readonly PinnedBuffer<float> _logits;
    private readonly PinnedBuffer<float> _gates;
    private readonly PinnedBuffer<float>? _activation;
    private readonly long[] _logitsShape;
    private readonly long[] _gateShape;
    private readonly long[]? _activationShape;
    private readonly int _rowLogits;
    private readonly int _slots;

    public StageOutputs(ModelContract contract, StageLayout layout, int maxRows)
    {
        _slots = contract.Slots;
        _rowLogits = contract.Slots * contract.NumClasses;
        _logits = new PinnedBuffer<float>(maxRows * _rowLogits);
        _gates = new PinnedBuffer<float>(maxRows * _slots);
        _logitsShape = [0, 1, contract.Slots, contract.NumClasses];
        _gateShape = [0, contract.Slots];
        ActivationLength = layout.ActivationLength;
        Scratch = new ExitScratch(contract, maxRows);
        Tensors = new TensorBuffer[layout.OutputCount];
        Tensors[layout.LogitsIndex] = _logits.AsTensor(_logitsShape);
        Tensors[layout.GateIndex] = _gates.AsTensor(_gateShape);
        if (layout.ActivationShape is { } shape)
        {
            _activation = new PinnedBuffer<float>(maxRows * ActivationLength);
            _activationShape = [0, .. shape];
            Tensors[layout.ActivationIndex] = _activation.AsTensor(_activationShape);
        }
    }

    /// <summary>The run's output tensors, in the session's order; their shapes follow <see cref="SetRows"/>.</summary>
    public TensorBuffer[] Tensors { get; }

    /// <summary>Scratch for deciding and answering the run's requests.</summary>
    public ExitScratch Scratch { get; }

    /// <summary>Floats of one row's next_activation; 0 on the last stage.</summary>
    public int ActivationLength { get; }

    public void SetRows(int rows)
    {
        _logitsShape[0] = _gateShape[0] = rows;
        if (_activationShape is not null)
        {
            _activationShape[0] = rows;
        }
    }

    /// <summary>logits[row, 0] as [M, K].</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.Span.Slice(row * _rowLogits, _rowLogits);

    /// <summary>gate[row] as [M].</summary>
    public ReadOnlySpan<float> Gates(int row) => _gates.Span.Slice(row * _slots, _slots);

    /// <summary>next_activation[row]; empty on the last stage.</summary>
    public ReadOnlySpan<float> Activation(int row) =>
        _activation is null ? default : _activation.Span.Slice(row * ActivationLength, ActivationLength);
}
