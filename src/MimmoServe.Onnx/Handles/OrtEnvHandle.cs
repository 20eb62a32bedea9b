using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtEnv*: logging and global state. ORT keeps one environment per process with a reference count;
/// <see cref="OnnxRuntime"/> holds one for the life of the process and never releases it.
/// </summary>
internal sealed unsafe class OrtEnvHandle : OrtHandle
{
    public static OrtEnvHandle Create(OrtLoggingLevel level, string logId)
    {
        var env = new OrtEnvHandle();
        var id = Utf8String.Encode(logId);
        nint native;
        fixed (byte* p = id)
        {
            OrtStatus.Check(OrtNative.Api->CreateEnv(level, p, &native));
        }

        env.Attach(native);
        return env;
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseEnv(handle);
        return true;
    }
}
