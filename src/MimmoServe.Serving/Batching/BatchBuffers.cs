using System.Diagnostics;
using System.Numerics;
using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Everything one run needs, allocated once for the largest batch and reused: the pinned input [B, M, *item] with its
/// shape array (B is written per run), the outputs (made by the model's <see cref="IRunCompletion"/>: plain logits,
/// or stage 0's exit, gate and activation), and the requests of the batch with the row and slots each occupies. One
/// per runner. Owned by one thread at a time: the batch loop while packing, then the runner's thread.
/// </summary>
internal sealed class BatchBuffers
{
    private readonly ModelContract _contract;
    private readonly PinnedBuffer<float> _input;
    private readonly long[] _inputShape;
    private readonly PendingRequest[] _requests;
    private readonly int[] _rowOf;
    private readonly ulong[] _members;

    public BatchBuffers(ModelContract contract, int maxRows, IRunOutputs outputs)
    {
        _contract = contract;
        var slots = contract.Slots;
        _input = new PinnedBuffer<float>(maxRows * slots * contract.ItemLength);
        // A plain classifier's [B, *item] has the layout of [B, 1, *item].
        _inputShape = contract.IsPlain ? [0, .. contract.ItemShape] : [0, slots, .. contract.ItemShape];
        Inputs = [_input.AsTensor(_inputShape)];
        Outputs = outputs;
        _requests = new PendingRequest[maxRows * slots];
        _rowOf = new int[_requests.Length];
        _members = new ulong[_requests.Length];
    }

    /// <summary>The run's input tensors; their shape follows <see cref="Rows"/>.</summary>
    public TensorBuffer[] Inputs { get; }

    /// <summary>The run's outputs; only the completion that made them knows their type.</summary>
    public IRunOutputs Outputs { get; }

    /// <summary>Rows B of this run.</summary>
    public int Rows { get; private set; }

    /// <summary>Requests in this run.</summary>
    public int Count { get; private set; }

    public PendingRequest Request(int i) => _requests[i];

    /// <summary>The slots request <paramref name="i"/> occupies in its row, its group and extra copies.</summary>
    public ulong Members(int i) => _members[i];

    /// <summary>The row of request <paramref name="i"/>.</summary>
    public int RowOf(int i) => _rowOf[i];

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
        _inputShape[0] = Rows;
        Outputs.SetRows(Rows);
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
            // The first slot is decoded from the request; its copies come from that slot.
            var bits = _members[i];
            var first = input.Slice(((_rowOf[i] * _contract.Slots) + BitOperations.TrailingZeroCount(bits)) * itemLength, itemLength);
            _requests[i].Item.CopyTo(first);
            for (bits &= bits - 1; bits != 0; bits &= bits - 1)
            {
                first.CopyTo(input.Slice(((_rowOf[i] * _contract.Slots) + BitOperations.TrailingZeroCount(bits)) * itemLength, itemLength));
            }
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
