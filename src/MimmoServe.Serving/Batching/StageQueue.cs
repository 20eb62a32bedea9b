using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The rows waiting for one later stage s of a staged model, under the pipeline's lock: the buffer set being filled,
/// full sets waiting for a run, free sets (made on demand and kept for reuse, so a steady load allocates nothing) and
/// the runs of this stage in progress.
/// </summary>
internal sealed class StageQueue(int stage, ModelContract contract, StageLayout previous, StageLayout layout, int maxRows)
{
    private readonly Queue<StageBuffers> _full = new();
    private readonly Stack<StageBuffers> _free = new();
    private StageBuffers? _filling;

    public int InFlight { get; set; }

    public bool HasRows => _full.Count > 0 || _filling is not null;

    public bool HasFull => _full.Count > 0;

    /// <summary>Rows waiting (full sets and the one being filled).</summary>
    public int WaitingRows => (_full.Count * maxRows) + (_filling?.Rows ?? 0);

    /// <summary>When the oldest waiting row arrived; only when <see cref="HasRows"/>.</summary>
    public long OldestTimestamp => _full.Count > 0 ? _full.Peek().OldestTimestamp : _filling!.OldestTimestamp;

    /// <summary>Copies a row in (a new set when none is being filled); a set that becomes full waits for its run.</summary>
    public void Add(ReadOnlySpan<float> activation, ReadOnlySpan<RowEntry> entries, long timestamp)
    {
        var buffers = _filling ??= _free.Count > 0 ? _free.Pop() : new StageBuffers(stage, contract, previous, layout, maxRows);
        buffers.AddRow(activation, entries, timestamp);
        if (buffers.IsFull)
        {
            _full.Enqueue(buffers);
            _filling = null;
        }
    }

    /// <summary>The next set to run: a full one first, else the one being filled; null when no row waits.</summary>
    public StageBuffers? Take()
    {
        if (_full.TryDequeue(out var buffers))
        {
            return buffers;
        }

        buffers = _filling;
        _filling = null;
        return buffers;
    }

    /// <summary>A set whose run is over (cleared by the run) goes back to the free list.</summary>
    public void Return(StageBuffers buffers) => _free.Push(buffers);
}
