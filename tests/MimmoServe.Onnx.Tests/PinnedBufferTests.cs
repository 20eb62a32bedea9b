namespace MimmoServe.Onnx.Tests;

public class PinnedBufferTests
{
    [Fact]
    public void Pointer_AfterFullGarbageCollection_IsUnchanged()
    {
        var buffer = new PinnedBuffer<float>(1000);
        var before = buffer.Pointer;

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(before, buffer.Pointer);
        Assert.True(GC.GetGeneration(buffer.Array) >= 0);
    }

    [Fact]
    public void AsTensor_Floats_CapacityInBytesAndElementType()
    {
        var buffer = new PinnedBuffer<float>(12);

        var tensor = buffer.AsTensor(new long[] { 3, 4 });

        Assert.Equal(48, tensor.ByteCapacity);
        Assert.Equal(TensorElementType.Float, tensor.ElementType);
        Assert.Same(buffer, tensor.Owner);
        Assert.Equal(buffer.Pointer, tensor.Data);
    }

    [Theory]
    [InlineData(typeof(double), TensorElementType.Double, 8)]
    [InlineData(typeof(long), TensorElementType.Int64, 8)]
    [InlineData(typeof(byte), TensorElementType.UInt8, 1)]
    [InlineData(typeof(bool), TensorElementType.Bool, 1)]
    [InlineData(typeof(Half), TensorElementType.Float16, 2)]
    public void ElementTypeOf_DotNetType_MapsToOnnxTypeOfTheSameSize(Type type, TensorElementType expected, int size)
    {
        var method = typeof(TensorElementTypeExtensions).GetMethod(nameof(TensorElementTypeExtensions.ElementTypeOf))!.MakeGenericMethod(type);

        var actual = (TensorElementType)method.Invoke(null, null)!;

        Assert.Equal(expected, actual);
        Assert.Equal(size, actual.SizeInBytes());
    }

    [Fact]
    public void Constructor_UnsupportedElementType_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => new PinnedBuffer<decimal>(1));
    }
}
