using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Base of every owned ORT object: one subclass per native type, whose <c>ReleaseHandle</c> calls the matching
/// <c>ReleaseX</c>. The managed object is always created before the native one, so a native pointer is never
/// held anywhere but inside a handle (nothing leaks if allocation of the wrapper fails). SafeHandle's reference
/// count makes dispose-while-in-use safe: code that passes the pointer to ORT across a long call (Run) brackets
/// it with DangerousAddRef/DangerousRelease, and the release is deferred until the last such call returns.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The native pointer. Callers must keep the handle alive (and undisposed) while they use it.</summary>
    internal nint Pointer => handle;

    /// <summary>Takes ownership of a pointer ORT just returned.</summary>
    internal void Attach(nint native) => SetHandle(native);
}
