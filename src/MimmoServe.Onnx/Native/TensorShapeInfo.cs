using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Native;

/// <summary>Element type, dimensions (-1 where not fixed) and symbolic dimension names ("" where none) of a tensor info.</summary>
internal readonly record struct TensorShapeInfo(TensorElementType ElementType, long[] Dimensions, string[] SymbolicDimensions)
{
    /// <summary>Reads an OrtTensorTypeAndShapeInfo* (owned or borrowed: this does not release it).</summary>
    public static unsafe TensorShapeInfo Read(nint info)
    {
        var api = OrtNative.Api;
        TensorElementType type;
        OrtStatus.Check(api->GetTensorElementType(info, &type));
        nuint rank;
        OrtStatus.Check(api->GetDimensionsCount(info, &rank));
        var dims = new long[(int)rank];
        var symbols = new string[(int)rank];
        var names = new nint[(int)rank];
        fixed (long* d = dims)
        fixed (nint* n = names)
        {
            OrtStatus.Check(api->GetDimensions(info, d, rank));

            // The symbolic names point into the info: copied here, never freed.
            OrtStatus.Check(api->GetSymbolicDimensions(info, (byte**)n, rank));
        }

        for (var i = 0; i < symbols.Length; i++)
        {
            symbols[i] = names[i] == 0 ? string.Empty : Marshal.PtrToStringUTF8(names[i]) ?? string.Empty;
        }

        return new TensorShapeInfo(type, dims, symbols);
    }
}
