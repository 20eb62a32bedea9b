using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Native;

/// <summary>
/// Strings ORT allocates for us (names, metadata values, metadata keys and the key array) belong to the caller and
/// are freed with <c>AllocatorFree</c> on the allocator that made them: here always the default CPU allocator from
/// <c>GetAllocatorWithDefaultOptions</c>, which itself is never released.
/// </summary>
internal static unsafe class OrtAllocatedString
{
    /// <summary>Copies the UTF-8 string at <paramref name="value"/> and frees it; NULL gives "".</summary>
    public static string Take(nint allocator, byte* value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
        }
        finally
        {
            Free(allocator, value);
        }
    }

    public static void Free(nint allocator, void* value)
    {
        if (value is not null)
        {
            OrtStatus.Check(OrtNative.Api->AllocatorFree(allocator, value));
        }
    }
}
