using System.Buffers;
using System.Buffers.Binary;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Requests;

public sealed class ItemValidatorTests
{
    [Fact]
    public void ValidateAndCopy_Data_CopiesTheItem()
    {
        var item = ItemValidator.ValidateAndCopy(Contracts.Mimo(), new PredictInput { Shape = [4], Data = [0.1f, 0.2f, 0.3f, 1f] });

        Assert.Equal([0.1f, 0.2f, 0.3f, 1f], item[..4]);
        ArrayPool<float>.Shared.Return(item);
    }

    [Fact]
    public void ValidateAndCopy_RawData_ReadsLittleEndianFloats()
    {
        var raw = new byte[16];
        float[] values = [0.5f, 0.25f, 1f, 0f];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        var item = ItemValidator.ValidateAndCopy(Contracts.Mimo(), new PredictInput { Shape = [4], RawData = raw });

        Assert.Equal(values, item[..4]);
        ArrayPool<float>.Shared.Return(item);
    }

    public static TheoryData<PredictInput, string> BadInputs => new()
    {
        { new PredictInput { Shape = [2, 2], Data = [0, 0, 0, 0] }, "shape [2, 2] does not match the model's item shape [4]" },
        { new PredictInput { Shape = [], Data = [0, 0, 0, 0] }, "shape [] does not match" },
        { new PredictInput { Shape = [4], Data = [0, 0, 0] }, "data has 3 elements; the item shape [4] needs 4" },
        { new PredictInput { Shape = [4], RawData = new byte[20] }, "raw_data has 5 elements" },
        { new PredictInput { Shape = [4], RawData = new byte[15] }, "not a multiple of 4" },
        { new PredictInput { Shape = [4], Data = [0, 0, 0, 0], RawData = new byte[16] }, "Both data and raw_data" },
        { new PredictInput { Shape = [4] }, "Neither data nor raw_data" },
        { new PredictInput { Shape = [4], Data = [0, 0, float.NaN, 0] }, "at index 2 is not finite" },
        { new PredictInput { Shape = [4], Data = [float.NegativeInfinity, 0, 0, 0] }, "at index 0 is not finite" },
        { new PredictInput { Shape = [4], RawData = BitConverter.GetBytes(0f).Concat(BitConverter.GetBytes(0f)).Concat(BitConverter.GetBytes(0f)).Concat(BitConverter.GetBytes(float.PositiveInfinity)).ToArray() }, "at index 3 is not finite" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void ValidateAndCopy_BadItem_InvalidArgumentSayingWhatToFix(PredictInput input, string problem)
    {
        var error = Assert.Throws<ServingException>(() => ItemValidator.ValidateAndCopy(Contracts.Mimo(), input));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateAndCopy_HugeFiniteValues_Accepted()
    {
        // Their sum overflows to infinity; each value is still finite.
        var item = ItemValidator.ValidateAndCopy(Contracts.Mimo(), new PredictInput { Shape = [4], Data = [3e38f, 3e38f, 3e38f, 0] });

        Assert.Equal(3e38f, item[0]);
        ArrayPool<float>.Shared.Return(item);
    }
}
