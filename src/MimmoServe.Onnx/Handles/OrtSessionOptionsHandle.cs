using System.Text;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtSessionOptions*. Needed only while a session is created: ORT copies what it needs, so it is
/// released right after CreateSession. Not thread-safe; used by one thread.
/// </summary>
internal sealed unsafe class OrtSessionOptionsHandle : OrtHandle
{
    public static OrtSessionOptionsHandle Create()
    {
        var options = new OrtSessionOptionsHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->CreateSessionOptions(&native));
        options.Attach(native);
        return options;
    }

    public void SetGraphOptimizationLevel(GraphOptimizationLevel level) =>
        OrtStatus.Check(OrtNative.Api->SetSessionGraphOptimizationLevel(handle, level));

    public void SetIntraOpThreads(int threads) => OrtStatus.Check(OrtNative.Api->SetIntraOpNumThreads(handle, threads));

    public void SetInterOpThreads(int threads) => OrtStatus.Check(OrtNative.Api->SetInterOpNumThreads(handle, threads));

    public void AddConfigEntry(string key, string value)
    {
        fixed (byte* k = Utf8String.Encode(key), v = Utf8String.Encode(value))
        {
            OrtStatus.Check(OrtNative.Api->AddSessionConfigEntry(handle, k, v));
        }
    }

    /// <summary>Reads a config entry back (GetSessionConfigEntry: first call for the size, second for the text).</summary>
    public string GetConfigEntry(string key)
    {
        fixed (byte* k = Utf8String.Encode(key))
        {
            nuint size = 0;
            OrtStatus.Check(OrtNative.Api->GetSessionConfigEntry(handle, k, null, &size));
            var buffer = new byte[(int)size];
            fixed (byte* v = buffer)
            {
                OrtStatus.Check(OrtNative.Api->GetSessionConfigEntry(handle, k, v, &size));
            }

            // size counts the terminating NUL.
            return Encoding.UTF8.GetString(buffer, 0, Math.Max((int)size - 1, 0));
        }
    }

    public void AppendCuda(OrtCudaProviderOptionsHandle cuda) =>
        OrtStatus.Check(OrtNative.Api->SessionOptionsAppendExecutionProvider_CUDA_V2(handle, cuda.Pointer));

    public void AppendTensorRt(OrtTensorRtProviderOptionsHandle tensorRt) =>
        OrtStatus.Check(OrtNative.Api->SessionOptionsAppendExecutionProvider_TensorRT_V2(handle, tensorRt.Pointer));

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseSessionOptions(handle);
        return true;
    }
}
