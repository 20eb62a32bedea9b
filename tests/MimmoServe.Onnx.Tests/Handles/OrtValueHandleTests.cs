using MimmoServe.Onnx.Handles;

namespace MimmoServe.Onnx.Tests.Handles;

public class OrtValueHandleTests
{
    [Fact]
    public unsafe void CreateTensor_OverPinnedBuffer_ReportsTypeShapeAndTheCallersMemory()
    {
        var runtime = OnnxRuntime.Shared;
        var buffer = new PinnedBuffer<long>(6);

        using var value = OrtValueHandle.CreateTensor(runtime.MemoryInfo, (void*)buffer.Pointer, 6 * sizeof(long), [2, 3], TensorElementType.Int64);
        using var info = value.GetTypeAndShape();
        var shape = info.Read();

        Assert.Equal(TensorElementType.Int64, shape.ElementType);
        Assert.Equal([2L, 3L], shape.Dimensions);
        Assert.Equal(["", ""], shape.SymbolicDimensions);
        Assert.Equal(buffer.Pointer, (nint)value.GetData());
    }

    [Fact]
    public unsafe void CreateTensor_ByteLengthSmallerThanShape_ThrowsOrtException()
    {
        var buffer = new PinnedBuffer<float>(2);

        var e = Assert.Throws<OrtException>(() => OrtValueHandle.CreateTensor(OnnxRuntime.Shared.MemoryInfo, (void*)buffer.Pointer, 8, [4], TensorElementType.Float));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
    }

    [Fact]
    public void MemoryInfo_CreateCpuAndRelease_Works()
    {
        _ = OnnxRuntime.Shared;
        var info = OrtMemoryInfoHandle.CreateCpu();

        Assert.False(info.IsInvalid);
        info.Dispose();
        Assert.True(info.IsClosed);
    }
}
