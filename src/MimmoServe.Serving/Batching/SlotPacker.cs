using System.Diagnostics;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Places inputs into rows of M slots as the model's <c>mimmo.replication</c> says: an input of size k takes one
/// whole group of k free slots in one row (first fit over the rows opened so far, groups in the model's order),
/// else opens the next row. Rows are tracked as bit masks of used slots. Reused across batches; one thread.
/// </summary>
internal sealed class SlotPacker
{
    private readonly ModelContract _contract;
    private readonly ulong[] _used;

    public SlotPacker(ModelContract contract, int maxRows)
    {
        _contract = contract;
        _used = new ulong[maxRows];
        Full = contract.Slots == 64 ? ulong.MaxValue : (1UL << contract.Slots) - 1;
    }

    /// <summary>Rows opened so far.</summary>
    public int Rows { get; private set; }

    public int MaxRows => _used.Length;

    /// <summary>The mask of all M slots.</summary>
    public ulong Full { get; }

    public void Reset()
    {
        Array.Clear(_used, 0, Rows);
        Rows = 0;
    }

    /// <summary>Slots used in <paramref name="row"/>.</summary>
    public ulong Used(int row) => _used[row];

    /// <summary>Where an input of size <paramref name="k"/> would go; false when every row is taken and none has a free group.</summary>
    public bool TryFind(int k, out int row, out ulong group)
    {
        var groups = _contract.Groups(k);
        for (row = 0; row < Rows; row++)
        {
            foreach (var g in groups)
            {
                if ((_used[row] & g.Mask) == 0)
                {
                    group = g.Mask;
                    return true;
                }
            }
        }

        group = groups[0].Mask;
        return Rows < _used.Length;
    }

    /// <summary>Takes the place <see cref="TryFind"/> returned.</summary>
    public void Commit(int row, ulong group)
    {
        Debug.Assert(row <= Rows && (_used[row] & group) == 0, "the place must come from TryFind");
        if (row == Rows)
        {
            Rows++;
        }

        _used[row] |= group;
    }
}
