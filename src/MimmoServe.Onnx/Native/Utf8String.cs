using System.Text;

namespace MimmoServe.Onnx.Native;

/// <summary>Encodes a string as NUL-terminated UTF-8 for a single native call (not on the hot path).</summary>
internal static class Utf8String
{
    public static byte[] Encode(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
