namespace MimmoServe.Onnx;

/// <summary>Sizes of tensor elements and the mapping from .NET element types.</summary>
public static class TensorElementTypeExtensions
{
    /// <summary>Bytes per element; 0 for types a caller-owned buffer cannot hold (strings, undefined).</summary>
    public static int SizeInBytes(this TensorElementType type) => type switch
    {
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool => 1,
        TensorElementType.Float8E4M3FN or TensorElementType.Float8E4M3FNUZ => 1,
        TensorElementType.Float8E5M2 or TensorElementType.Float8E5M2FNUZ => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        _ => 0,
    };

    /// <summary>The element type of a .NET type (float, double, Half, bool, the integer types).</summary>
    /// <exception cref="NotSupportedException">No ONNX element type corresponds to <typeparamref name="T"/>.</exception>
    public static TensorElementType ElementTypeOf<T>()
        where T : unmanaged => ElementTypeCache<T>.Value != TensorElementType.Undefined
            ? ElementTypeCache<T>.Value
            : throw new NotSupportedException($"{typeof(T).Name} has no ONNX tensor element type.");

    private static class ElementTypeCache<T>
    {
        public static readonly TensorElementType Value = Type.GetTypeCode(typeof(T)) switch
        {
            TypeCode.Single => TensorElementType.Float,
            TypeCode.Double => TensorElementType.Double,
            TypeCode.Byte => TensorElementType.UInt8,
            TypeCode.SByte => TensorElementType.Int8,
            TypeCode.UInt16 => TensorElementType.UInt16,
            TypeCode.Int16 => TensorElementType.Int16,
            TypeCode.Int32 => TensorElementType.Int32,
            TypeCode.Int64 => TensorElementType.Int64,
            TypeCode.UInt32 => TensorElementType.UInt32,
            TypeCode.UInt64 => TensorElementType.UInt64,
            TypeCode.Boolean => TensorElementType.Bool,
            _ when typeof(T) == typeof(Half) => TensorElementType.Float16,
            _ => TensorElementType.Undefined,
        };
    }
}
