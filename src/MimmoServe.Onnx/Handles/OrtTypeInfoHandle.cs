using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtTypeInfo* of a session input or output. The tensor info that CastTypeInfoToTensorInfo returns
/// points into it: borrowed, valid only while this handle is, never released on its own.
/// </summary>
internal sealed unsafe class OrtTypeInfoHandle : OrtHandle
{
    public OnnxValueType ValueType
    {
        get
        {
            OnnxValueType type;
            OrtStatus.Check(OrtNative.Api->GetOnnxTypeFromTypeInfo(handle, &type));
            return type;
        }
    }

    /// <summary>Reads element type and shape; only for <see cref="OnnxValueType.Tensor"/>.</summary>
    public TensorShapeInfo ReadTensorInfo()
    {
        nint tensorInfo;
        OrtStatus.Check(OrtNative.Api->CastTypeInfoToTensorInfo(handle, &tensorInfo));
        return TensorShapeInfo.Read(tensorInfo);
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseTypeInfo(handle);
        return true;
    }
}
