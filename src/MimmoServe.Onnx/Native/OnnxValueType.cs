namespace MimmoServe.Onnx.Native;

/// <summary>C <c>ONNXType</c>: what kind of value an input or output is. The binding runs tensors only.</summary>
internal enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
