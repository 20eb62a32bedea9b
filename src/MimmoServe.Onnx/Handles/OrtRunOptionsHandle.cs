using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtRunOptions*. Each cancellable Run uses its own (from <see cref="RunOptionsPool"/>): setting terminate
/// on it stops only that run. ORT checks the flag between nodes; once set it stays set, so a terminated instance
/// is released, never reused.
/// </summary>
internal sealed unsafe class OrtRunOptionsHandle : OrtHandle
{
    /// <summary>Cancellation callback: state is the handle of the run to stop.</summary>
    public static readonly Action<object?> TerminateCallback = static state => ((OrtRunOptionsHandle)state!).Terminate();

    public static OrtRunOptionsHandle Create()
    {
        var options = new OrtRunOptionsHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->CreateRunOptions(&native));
        options.Attach(native);
        return options;
    }

    /// <summary>Asks the run using these options to stop at the next node boundary. Thread-safe (an atomic flag in ORT).</summary>
    public void Terminate() => OrtStatus.Check(OrtNative.Api->RunOptionsSetTerminate(handle));

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseRunOptions(handle);
        return true;
    }
}
