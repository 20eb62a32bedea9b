namespace MimmoServe.Onnx.Native;

/// <summary>
/// The process-wide pointer to ORT's function table. Set once by <see cref="OnnxRuntime.Initialize"/>, under its
/// lock, before any native object exists; never changed afterwards, so every thread can read it without a barrier
/// once it holds any object that came from an initialized runtime.
/// </summary>
internal static unsafe class OrtNative
{
    internal static OrtApi* Api;
}
