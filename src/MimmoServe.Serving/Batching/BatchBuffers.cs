using System.Diagnostics;
using System.Numerics;
using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Everything one run needs, allocated once for the largest batch and reused: the pinned input [B, M, *item] and
/// output [B, E, M, K] buffers with their shape arrays (B is written per run), the requests of the batch with the
/// row and slots each occupies, and scratch for unbinding. A batcher keeps two, so the next batch is packed into
/// one while the other runs. Owned by one thread at a time: the batcher's loop while packing, then the run.
/// </summary>
internal sealed class BatchBuffers
{
    private readonly ModelContract _contract;
    private readonly PinnedBuffer<float> _input;
    private readonly PinnedBuffer<float> _output;
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;
    private readonly PendingRequest[] _requests;
    private readonly int[] _rowOf;
    private readonly ulong[] _members;

    public BatchBuffers(ModelContract contract, int maxRows)
    {
        _contract = contract;
        var slots = contract.Slots;
        _input = new PinnedBuffer<float>(maxRows * slots * contract.ItemLength);
        // A plain classifier's [B, *item] and [B, K] have the layout of [B, 1, *item] and [B, 1, 1, K].
        _inputShape = contract.IsPlain ? [0, .. contract.ItemShape] : [0, slots, .. contract.ItemShape];
        _outputShape = contract.IsPlain ? [0, contract.NumClasses] : [0, contract.Exits, slots, contract.NumClasses];
        Inputs = [_input.AsTensor(_inputShape)];
        if (contract.Stages is { } stages)
        {
            // Stage 0 of a staged model: logits of exit 0, gate and next_activation, settled by the stage pipeline.
            _output = new PinnedBuffer<float>(0);
            Stage = new StageOutputs(contract, stages.First, maxRows);
            Exits = new ExitScratch(contract);
            Outputs = Stage.Tensors;
        }
        else
        {
            _output = new PinnedBuffer<float>(maxRows * contract.Exits * slots * contract.NumClasses);
            Outputs = [_output.AsTensor(_outputShape)];
        }

        _requests = new PendingRequest[maxRows * slots];
        _rowOf = new int[_requests.Length];
        _members = new ulong[_requests.Length];
        Scratch = new float[contract.Exits * slots * contract.NumClasses];
    }

    /// <summary>The run's input tensors; their shape follows <see cref="Rows"/>.</summary>
    public TensorBuffer[] Inputs { get; }

    public TensorBuffer[] Outputs { get; }

    /// <summary>Stage 0's outputs of a staged model; null for the other models.</summary>
    public StageOutputs? Stage { get; }

    /// <summary>Scratch for settling stage 0 of a staged model; null for the other models.</summary>
    public ExitScratch? Exits { get; }

    /// <summary>Rows B of this run.</summary>
    public int Rows { get; private set; }

    /// <summary>Requests in this run.</summary>
    public int Count { get; private set; }

    /// <summary>Unbinding scratch: one distribution per member of one request.</summary>
    public float[] Scratch { get; }

    public PendingRequest Request(int i) => _requests[i];

    /// <summary>The slots request <paramref name="i"/> occupies in its row, its group and extra copies.</summary>
    public ulong Members(int i) => _members[i];

    /// <summary>The row of request <paramref name="i"/>.</summary>
    public int RowOf(int i) => _rowOf[i];

    /// <summary>logits[row of request i] as [E, M, K].</summary>
    public ReadOnlySpan<float> RowLogits(int i)
    {
        var length = _contract.Exits * _contract.Slots * _contract.NumClasses;
        return _output.Span.Slice(_rowOf[i] * length, length);
    }

    public void Add(PendingRequest request, int row, ulong group)
    {
        _requests[Count] = request;
        _rowOf[Count] = row;
        _members[Count] = group;
        Count++;
    }

    /// <summary>
    /// Ends packing: gives every free slot of a row to the row's input with the fewest copies so far (more members
    /// at no extra cost), copies each input into all its slots, returns the items to the pool and sets B.
    /// </summary>
    public void Seal(SlotPacker packer)
    {
        Rows = packer.Rows;
        _inputShape[0] = _outputShape[0] = Rows;
        Stage?.SetRows(Rows);
        for (var row = 0; row < Rows; row++)
        {
            for (var free = packer.Full & ~packer.Used(row); free != 0; free &= free - 1)
            {
                var best = -1;
                for (var i = 0; i < Count; i++)
                {
                    if (_rowOf[i] == row && (best < 0 || BitOperations.PopCount(_members[i]) < BitOperations.PopCount(_members[best])))
                    {
                        best = i;
                    }
                }

                Debug.Assert(best >= 0, "an opened row holds at least one input");
                _members[best] |= free & (~free + 1);
            }
        }

        var itemLength = _contract.ItemLength;
        var input = _input.Span;
        for (var i = 0; i < Count; i++)
        {
            var item = _requests[i].Item[..itemLength];
            for (var bits = _members[i]; bits != 0; bits &= bits - 1)
            {
                var slot = BitOperations.TrailingZeroCount(bits);
                item.CopyTo(input.Slice(((_rowOf[i] * _contract.Slots) + slot) * itemLength, itemLength));
            }

            _requests[i].ReturnItem();
        }
    }

    /// <summary>Forgets the batch's requests so the buffers can be packed again.</summary>
    public void Clear()
    {
        Array.Clear(_requests, 0, Count);
        Count = 0;
        Rows = 0;
    }
}
