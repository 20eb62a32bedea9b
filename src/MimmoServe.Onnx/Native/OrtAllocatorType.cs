namespace MimmoServe.Onnx.Native;

/// <summary>C <c>OrtAllocatorType</c>.</summary>
internal enum OrtAllocatorType
{
    Invalid = -1,
    Device = 0,
    Arena = 1,
}
