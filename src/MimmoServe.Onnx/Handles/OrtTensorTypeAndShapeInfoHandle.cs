using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtTensorTypeAndShapeInfo* from GetTensorTypeAndShape: owned by the caller, unlike the one borrowed
/// from a type info.
/// </summary>
internal sealed class OrtTensorTypeAndShapeInfoHandle : OrtHandle
{
    public TensorShapeInfo Read() => TensorShapeInfo.Read(handle);

    protected override unsafe bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}
