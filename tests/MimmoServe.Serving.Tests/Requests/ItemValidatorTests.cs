using System.Buffers.Binary;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Requests;

public sealed class ItemValidatorTests
{
    /// <summary>What the batcher writes into the item's slot.</summary>
    private static float[] Slot(ItemSource item)
    {
        var slot = new float[item.Length];
        item.CopyTo(slot);
        return slot;
    }

    [Fact]
    public void Validate_Data_TheSlotGetsTheItem()
    {
        var item = ItemValidator.Validate(Contracts.Mimo(), new PredictInput { Shape = [4], Data = [0.1f, 0.2f, 0.3f, 1f] });

        Assert.Equal([0.1f, 0.2f, 0.3f, 1f], Slot(item));
    }

    [Fact]
    public void Validate_RawDataAtAnOddAddress_ReadsLittleEndianFloatsInPlace()
    {
        // A protobuf bytes field may start at any offset of its buffer: one byte in, the floats are unaligned.
        var buffer = new byte[17];
        float[] values = [0.5f, 0.25f, 1f, 0f];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(1 + (i * 4)), values[i]);
        }

        var item = ItemValidator.Validate(Contracts.Mimo(), new PredictInput { Shape = [4], RawData = buffer.AsMemory(1) });

        Assert.Equal(values, Slot(item));

        // Nothing was copied: the slot gets what the request's storage holds when the item is packed.
        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(1 + 4), 0.75f);
        Assert.Equal([0.5f, 0.75f, 1f, 0f], Slot(item));
    }

    public static TheoryData<PredictInput, string> BadInputs => new()
    {
        { new PredictInput { Shape = [2, 2], Data = [0, 0, 0, 0] }, "shape [2, 2] does not match the model's item shape [4]" },
        { new PredictInput { Shape = [], Data = [0, 0, 0, 0] }, "shape [] does not match" },
        { new PredictInput { Shape = [4], Data = [0, 0, 0] }, "data has 3 elements; the item shape [4] needs 4" },
        { new PredictInput { Shape = [4], RawData = new byte[20] }, "raw_data has 5 elements" },
        { new PredictInput { Shape = [4], RawData = new byte[15] }, "not a multiple of 4" },
        { new PredictInput { Shape = [4], Data = [0, 0, 0, 0], RawData = new byte[16] }, "Both data and raw_data" },
        { new PredictInput { Shape = [4] }, "None of data, raw_data and raw_uint8 is set" },
        { new PredictInput { Shape = [4], Data = [0, 0, float.NaN, 0] }, "at index 2 is not finite" },
        { new PredictInput { Shape = [4], Data = [float.NegativeInfinity, 0, 0, 0] }, "at index 0 is not finite" },
        { new PredictInput { Shape = [4], RawData = BitConverter.GetBytes(0f).Concat(BitConverter.GetBytes(0f)).Concat(BitConverter.GetBytes(0f)).Concat(BitConverter.GetBytes(float.PositiveInfinity)).ToArray() }, "at index 3 is not finite" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Validate_BadItem_InvalidArgumentSayingWhatToFix(PredictInput input, string problem)
    {
        var error = Assert.Throws<ServingException>(() => ItemValidator.Validate(Contracts.Mimo(), input));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private static ModelContract Pixels() => Contracts.Mimo(m =>
    {
        m[ContractKeys.InputScale] = (1.0 / 255).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        m[ContractKeys.InputRange] = "[0, 1]";
    });

    [Fact]
    public void ValidateItems_RawUint8_EachByteThroughTheModelsScale()
    {
        byte[] bytes = [0, 1, 128, 255, 255, 254, 3, 0];

        var items = ItemValidator.ValidateItems(Pixels(), new PredictInput { Shape = [2, 4], RawUint8 = bytes }, 8);

        var slots = items.Select(Slot).ToArray();
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal((float)(bytes[i] / 255.0), slots[i / 4][i % 4]);
        }
    }

    public static TheoryData<PredictInput, string> BadValues => new()
    {
        { new PredictInput { Shape = [4], Data = [0, 1, 255, 0] }, "value 255 at index 2 is outside the model's input range [0, 1] (mimmo.input_range); scale the values to it, or send 8-bit values as raw_uint8." },
        { new PredictInput { Shape = [4], Data = [0, -1e-7f, 1, 0] }, "value -1E-07 at index 1 is outside" },
        { new PredictInput { Shape = [2, 4], Data = [0, 0, 0, 0, 0.5f, 0, 0, 1.5f] }, "item 1: value 1.5 at index 3 is outside" },
        { new PredictInput { Shape = [4], Data = [0, 0, 0, 0], RawUint8 = new byte[4] }, "Both data and raw_uint8 are set" },
        { new PredictInput { Shape = [4], RawUint8 = new byte[5] }, "raw_uint8 has 5 elements; the item shape [4] needs 4" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void ValidateItems_ValueOutsideTheRangeOrBadBytes_InvalidArgumentNamingTheItem(PredictInput input, string problem)
    {
        var error = Assert.Throws<ServingException>(() => ItemValidator.ValidateItems(Pixels(), input, 8));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EndsOfTheRange_Accepted()
    {
        var item = ItemValidator.Validate(Pixels(), new PredictInput { Shape = [4], Data = [0, 1, 0.5f, 1] });

        Assert.Equal([0f, 1, 0.5f, 1], Slot(item));
    }

    [Fact]
    public void Validate_RawUint8ToAModelWithoutScale_InvalidArgumentSayingWhy()
    {
        var error = Assert.Throws<ServingException>(() => ItemValidator.Validate(Contracts.Mimo(), new PredictInput { Shape = [4], RawUint8 = new byte[4] }));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("raw_uint8 is for a model that declares what a byte means (mimmo.input_scale", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HugeFiniteValues_Accepted()
    {
        // Their sum overflows to infinity; each value is still finite.
        var item = ItemValidator.Validate(Contracts.Mimo(), new PredictInput { Shape = [4], Data = [3e38f, 3e38f, 3e38f, 0] });

        Assert.Equal(3e38f, Slot(item)[0]);
    }

    [Fact]
    public void ValidateItems_BatchedRawData_EachItemInOrder()
    {
        float[] values = [1, 2, 3, 4, 5, 6, 7, 8];
        var raw = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        var items = ItemValidator.ValidateItems(Contracts.Mimo(), new PredictInput { Shape = [2, 4], RawData = raw }, 8);

        Assert.Equal(2, items.Length);
        Assert.Equal([1f, 2, 3, 4], Slot(items[0]));
        Assert.Equal([5f, 6, 7, 8], Slot(items[1]));
    }

    [Fact]
    public void ValidateItems_ItemShape_OneItem()
    {
        var items = ItemValidator.ValidateItems(Contracts.Mimo(), new PredictInput { Shape = [4], Data = [1, 2, 3, 4] }, 8);

        Assert.Equal([1f, 2, 3, 4], Slot(Assert.Single(items)));
    }

    public static TheoryData<PredictInput, string> BadBatches => new()
    {
        { new PredictInput { Shape = [3, 4], Data = new float[12] }, "carries 3 items; the model takes at most 2 per request (max_items_per_request)" },
        { new PredictInput { Shape = [0, 4], Data = [0] }, "the batch dimension N is 0" },
        { new PredictInput { Shape = [-1, 4], Data = [0] }, "the batch dimension N is -1" },
        { new PredictInput { Shape = [2, 4], Data = new float[7] }, "data has 7 elements; the shape [2, 4] needs 8 (2 items of 4)" },
        { new PredictInput { Shape = [2, 3], Data = new float[6] }, "or [N, 4] (N items)" },
        { new PredictInput { Shape = [2, 4], Data = [0, 0, 0, 0, 0, float.NaN, 0, 0] }, "item 1: value NaN at index 1 is not finite" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public void ValidateItems_BadBatch_InvalidArgumentSayingWhatToFix(PredictInput input, string problem)
    {
        var error = Assert.Throws<ServingException>(() => ItemValidator.ValidateItems(Contracts.Mimo(), input, 2));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
