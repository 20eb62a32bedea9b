using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Everything one run of a later stage s (s >= 1) of a staged model needs, allocated once for max_rows_per_run rows
/// and reused: the pinned input activation [B, *a_{s-1}] that rows are copied into as they arrive from stage s-1,
/// the stage's outputs, and each row's requests that have not stopped (contiguous per row). Filled under the
/// pipeline's lock, then owned by the run that takes it.
/// </summary>
internal sealed class StageBuffers
{
    private readonly PinnedBuffer<float> _input;
    private readonly long[] _inputShape;
    private readonly int _rowLength;
    private readonly RowEntry[] _entries;
    private readonly int[] _rowStart;

    public StageBuffers(int stage, ModelContract contract, StageLayout previous, StageLayout layout, int maxRows)
    {
        Stage = stage;
        _rowLength = previous.ActivationLength;
        _input = new PinnedBuffer<float>(maxRows * _rowLength);
        _inputShape = [0, .. previous.ActivationShape!];
        Inputs = [_input.AsTensor(_inputShape)];
        Outputs = new StageOutputs(contract, layout, maxRows);
        _entries = new RowEntry[maxRows * contract.Slots];
        _rowStart = new int[maxRows + 1];
        MaxRows = maxRows;
    }

    /// <summary>The stage s these buffers run.</summary>
    public int Stage { get; }

    public TensorBuffer[] Inputs { get; }

    public StageOutputs Outputs { get; }

    public int MaxRows { get; }

    public int Rows { get; private set; }

    /// <summary>Requests (not yet stopped) over all rows.</summary>
    public int Count => _rowStart[Rows];

    public bool IsFull => Rows == MaxRows;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the first row arrived: the max_queue_delay_ms clock.</summary>
    public long OldestTimestamp { get; private set; }

    /// <summary>The requests of <paramref name="row"/>.</summary>
    public ReadOnlySpan<RowEntry> Row(int row) => _entries.AsSpan(_rowStart[row], _rowStart[row + 1] - _rowStart[row]);

    /// <summary>Every request of the run.</summary>
    public ReadOnlySpan<RowEntry> Entries => _entries.AsSpan(0, Count);

    /// <summary>Copies one row's activation in and keeps its requests, renumbered to this run's row.</summary>
    public void AddRow(ReadOnlySpan<float> activation, ReadOnlySpan<RowEntry> entries, long timestamp)
    {
        if (Rows == 0)
        {
            OldestTimestamp = timestamp;
        }

        activation.CopyTo(_input.Span.Slice(Rows * _rowLength, _rowLength));
        var at = _rowStart[Rows];
        foreach (var entry in entries)
        {
            _entries[at++] = entry with { Row = Rows };
        }

        Rows++;
        _rowStart[Rows] = at;
        _inputShape[0] = Rows;
        Outputs.SetRows(Rows);
    }

    /// <summary>Forgets the rows so the set can be filled again.</summary>
    public void Clear()
    {
        Array.Clear(_entries, 0, Count);
        Rows = 0;
    }
}
