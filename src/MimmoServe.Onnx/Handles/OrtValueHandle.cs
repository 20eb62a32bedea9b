using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtValue*. A tensor made over caller memory does not own or copy that memory: the memory must stay
/// pinned and alive until this handle is released. (Run's hot path creates and releases its values inline without
/// this wrapper, to allocate nothing; this type serves longer-lived values.)
/// </summary>
internal sealed unsafe class OrtValueHandle : OrtHandle
{
    /// <summary>A tensor over <paramref name="byteLength"/> bytes at <paramref name="data"/>; ORT copies the shape.</summary>
    public static OrtValueHandle CreateTensor(OrtMemoryInfoHandle memoryInfo, void* data, nuint byteLength, ReadOnlySpan<long> shape, TensorElementType type)
    {
        var value = new OrtValueHandle();
        value.Attach(CreateTensorPointer(memoryInfo.Pointer, data, byteLength, shape, type));
        return value;
    }

    /// <summary>The raw create used by Run: the caller owns the returned pointer and releases it with <see cref="ReleasePointer"/>.</summary>
    public static nint CreateTensorPointer(nint memoryInfo, void* data, nuint byteLength, ReadOnlySpan<long> shape, TensorElementType type)
    {
        nint native;
        fixed (long* dims = shape)
        {
            OrtStatus.Check(OrtNative.Api->CreateTensorWithDataAsOrtValue(memoryInfo, data, byteLength, dims, (nuint)shape.Length, type, &native));
        }

        return native;
    }

    public static void ReleasePointer(nint value)
    {
        if (value != 0)
        {
            OrtNative.Api->ReleaseValue(value);
        }
    }

    /// <summary>The tensor's data pointer (for a tensor over caller memory: that memory).</summary>
    public void* GetData()
    {
        void* data;
        OrtStatus.Check(OrtNative.Api->GetTensorMutableData(handle, &data));
        return data;
    }

    public OrtTensorTypeAndShapeInfoHandle GetTypeAndShape()
    {
        var info = new OrtTensorTypeAndShapeInfoHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->GetTensorTypeAndShape(handle, &native));
        info.Attach(native);
        return info;
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseValue(handle);
        return true;
    }
}
