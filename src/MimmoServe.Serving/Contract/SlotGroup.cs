namespace MimmoServe.Serving.Contract;

/// <summary>One replication group: the k slots one input occupies, as indices and as a bit mask (bit s = slot s).</summary>
internal sealed class SlotGroup
{
    public SlotGroup(int[] slots)
    {
        Slots = Array.AsReadOnly(slots);
        foreach (var s in slots)
        {
            Mask |= 1UL << s;
        }
    }

    public IReadOnlyList<int> Slots { get; }

    public ulong Mask { get; }
}
