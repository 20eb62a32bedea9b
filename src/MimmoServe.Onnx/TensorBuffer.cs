namespace MimmoServe.Onnx;

/// <summary>
/// A tensor in caller-owned memory, as <see cref="OnnxSession.Run"/> takes it: a pointer to pinned (or native)
/// memory, its capacity in bytes, the element type and the shape of this call. The shape may use less than the
/// capacity (a buffer sized for the largest batch serves every smaller one). Nothing is copied: the memory must
/// stay valid and pinned for the duration of the call, and for outputs ORT writes the results straight into it.
/// Reuse the shape array across calls to keep the hot path free of allocations.
/// </summary>
public readonly struct TensorBuffer
{
    /// <param name="data">Start of the memory; must stay valid and must not move while a run uses it.</param>
    /// <param name="byteCapacity">Bytes available at <paramref name="data"/>.</param>
    /// <param name="elementType">Type of the elements.</param>
    /// <param name="shape">Shape of this call; its element count times the element size must fit the capacity.</param>
    /// <param name="owner">Object that owns the memory, kept reachable for as long as this value is (may be null for native memory).</param>
    public TensorBuffer(nint data, long byteCapacity, TensorElementType elementType, ReadOnlyMemory<long> shape, object? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCapacity);
        Data = data;
        ByteCapacity = byteCapacity;
        ElementType = elementType;
        Shape = shape;
        Owner = owner;
    }

    public nint Data { get; }

    public long ByteCapacity { get; }

    public TensorElementType ElementType { get; }

    public ReadOnlyMemory<long> Shape { get; }

    public object? Owner { get; }

    /// <summary>This buffer with another shape (same memory): e.g. the batch of the next call.</summary>
    public TensorBuffer WithShape(ReadOnlyMemory<long> shape) => new(Data, ByteCapacity, ElementType, shape, Owner);
}
