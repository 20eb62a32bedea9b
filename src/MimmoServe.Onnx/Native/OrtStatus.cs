using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Native;

/// <summary>
/// The one place an <c>OrtStatus*</c> is turned into an exception. Every native call that returns a status passes
/// it here. NULL means success; anything else is owned by us: the message points into the status, so it is
/// copied first, then the status is released, then <see cref="OrtException"/> is thrown.
/// </summary>
internal static unsafe class OrtStatus
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(nint status)
    {
        if (status != 0)
        {
            throw ToException(status);
        }
    }

    /// <summary>Copies code and message out of <paramref name="status"/>, releases it and returns the exception.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static OrtException ToException(nint status)
    {
        var api = OrtNative.Api;
        var code = api->GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((nint)api->GetErrorMessage(status)) ?? string.Empty;
        api->ReleaseStatus(status);
        return new OrtException(code, message);
    }

    /// <summary>Releases a status whose error is deliberately not reported (a cancelled run).</summary>
    public static void Release(nint status)
    {
        if (status != 0)
        {
            OrtNative.Api->ReleaseStatus(status);
        }
    }
}
