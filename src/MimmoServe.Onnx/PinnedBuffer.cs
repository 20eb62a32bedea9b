using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MimmoServe.Onnx;

/// <summary>
/// A caller-side tensor buffer on the pinned object heap (<see cref="GC.AllocateArray{T}(int, bool)"/> with
/// pinned: true): its address never changes, so it is handed to ORT on every run without pinning per call, and
/// the GC frees it like any array. Allocate once (for the largest batch) and reuse; not thread-safe by itself:
/// one run at a time may write into an output buffer.
/// </summary>
/// <typeparam name="T">Element type: float, double, Half, bool or an integer type.</typeparam>
public sealed unsafe class PinnedBuffer<T>
    where T : unmanaged
{
    private readonly T[] _array;

    public PinnedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ElementType = TensorElementTypeExtensions.ElementTypeOf<T>();
        _array = GC.AllocateArray<T>(length, pinned: true);
        Pointer = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    /// <summary>The elements. Writing through it while a run reads or writes the buffer is a data race.</summary>
    public Span<T> Span => _array;

    /// <summary>The underlying pinned array.</summary>
    public T[] Array => _array;

    public int Length => _array.Length;

    /// <summary>Address of the first element; fixed for the life of this object.</summary>
    public nint Pointer { get; }

    public TensorElementType ElementType { get; }

    /// <summary>A <see cref="TensorBuffer"/> over the whole buffer with <paramref name="shape"/>; keeps this object reachable.</summary>
    public TensorBuffer AsTensor(ReadOnlyMemory<long> shape) =>
        new(Pointer, (long)_array.Length * sizeof(T), ElementType, shape, this);
}
