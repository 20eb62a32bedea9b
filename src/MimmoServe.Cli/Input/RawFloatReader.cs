using System.Runtime.InteropServices;

namespace MimmoServe.Cli.Input;

/// <summary>A raw file of little-endian float32 values, row-major, without a header.</summary>
internal static class RawFloatReader
{
    /// <exception cref="InvalidDataException">The length is not a multiple of 4.</exception>
    public static float[] Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"{path} has {bytes.Length} bytes; a raw float32 file has a positive multiple of 4.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("raw float32 files are read on little-endian machines only.");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
