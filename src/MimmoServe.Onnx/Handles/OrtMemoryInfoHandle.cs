using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtMemoryInfo* describing CPU memory, which is what caller-owned tensors live in. Immutable, so one
/// instance (held by <see cref="OnnxRuntime"/>) is shared by all threads.
/// </summary>
internal sealed unsafe class OrtMemoryInfoHandle : OrtHandle
{
    public static OrtMemoryInfoHandle CreateCpu()
    {
        var info = new OrtMemoryInfoHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->CreateCpuMemoryInfo(OrtAllocatorType.Arena, OrtMemType.Default, &native));
        info.Attach(native);
        return info;
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseMemoryInfo(handle);
        return true;
    }
}
