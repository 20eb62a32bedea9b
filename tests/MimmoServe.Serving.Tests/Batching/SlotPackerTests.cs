using MimmoServe.Serving.Batching;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>The fixture's groups: k=1 [0] [1] [2], k=2 [1,2], k=3 [0,1,2]. Masks: bit s = slot s.</summary>
public sealed class SlotPackerTests
{
    [Fact]
    public void TryFind_MixedSizes_FollowsTheReplicationGroupsFirstFit()
    {
        var packer = new SlotPacker(Contracts.Mimo(), maxRows: 2);

        Assert.Equal((0, 0b110UL), Place(packer, 2));
        Assert.Equal((0, 0b001UL), Place(packer, 1));
        Assert.Equal((1, 0b001UL), Place(packer, 1));
        Assert.Equal((1, 0b010UL), Place(packer, 1));
        Assert.False(packer.TryFind(3, out _, out _));
        Assert.Equal((1, 0b100UL), Place(packer, 1));
        Assert.False(packer.TryFind(1, out _, out _));
        Assert.Equal(2, packer.Rows);
    }

    [Fact]
    public void TryFind_GroupOfTwoOverlapsAnInput_OpensTheNextRow()
    {
        var packer = new SlotPacker(Contracts.Mimo(), maxRows: 3);

        Assert.Equal((0, 0b001UL), Place(packer, 1));
        Assert.Equal((0, 0b010UL), Place(packer, 1));
        Assert.Equal((1, 0b110UL), Place(packer, 2));
        Assert.Equal((0, 0b100UL), Place(packer, 1));
        Assert.Equal(2, packer.Rows);
    }

    [Fact]
    public void Reset_AfterABatch_StartsFromAnEmptyRow()
    {
        var packer = new SlotPacker(Contracts.Mimo(), maxRows: 1);
        Place(packer, 3);
        Assert.False(packer.TryFind(1, out _, out _));

        packer.Reset();

        Assert.Equal(0, packer.Rows);
        Assert.Equal((0, 0b111UL), Place(packer, 3));
    }

    private static (int Row, ulong Group) Place(SlotPacker packer, int k)
    {
        Assert.True(packer.TryFind(k, out var row, out var group));
        packer.Commit(row, group);
        return (row, group);
    }
}
