using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtSession*. Run may be called on it from many threads at once (ORT allows it); OnnxSession brackets
/// each run with DangerousAddRef so that Dispose never frees the session under a running call.
/// </summary>
internal sealed unsafe class OrtSessionHandle : OrtHandle
{
    /// <summary>Loads the model at <paramref name="modelPath"/> (UTF-8 on Linux).</summary>
    public static OrtSessionHandle Create(OrtEnvHandle env, string modelPath, OrtSessionOptionsHandle options)
    {
        var session = new OrtSessionHandle();
        nint native;
        fixed (byte* path = Utf8String.Encode(modelPath))
        {
            OrtStatus.Check(OrtNative.Api->CreateSession(env.Pointer, path, options.Pointer, &native));
        }

        session.Attach(native);
        return session;
    }

    public int InputCount
    {
        get
        {
            nuint count;
            OrtStatus.Check(OrtNative.Api->SessionGetInputCount(handle, &count));
            return checked((int)count);
        }
    }

    public int OutputCount
    {
        get
        {
            nuint count;
            OrtStatus.Check(OrtNative.Api->SessionGetOutputCount(handle, &count));
            return checked((int)count);
        }
    }

    public string GetInputName(int index, nint allocator)
    {
        byte* name;
        OrtStatus.Check(OrtNative.Api->SessionGetInputName(handle, (nuint)index, allocator, &name));
        return OrtAllocatedString.Take(allocator, name);
    }

    public string GetOutputName(int index, nint allocator)
    {
        byte* name;
        OrtStatus.Check(OrtNative.Api->SessionGetOutputName(handle, (nuint)index, allocator, &name));
        return OrtAllocatedString.Take(allocator, name);
    }

    public OrtTypeInfoHandle GetInputTypeInfo(int index)
    {
        var info = new OrtTypeInfoHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->SessionGetInputTypeInfo(handle, (nuint)index, &native));
        info.Attach(native);
        return info;
    }

    public OrtTypeInfoHandle GetOutputTypeInfo(int index)
    {
        var info = new OrtTypeInfoHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->SessionGetOutputTypeInfo(handle, (nuint)index, &native));
        info.Attach(native);
        return info;
    }

    public OrtModelMetadataHandle GetModelMetadata()
    {
        var metadata = new OrtModelMetadataHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->SessionGetModelMetadata(handle, &native));
        metadata.Attach(native);
        return metadata;
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseSession(handle);
        return true;
    }
}
