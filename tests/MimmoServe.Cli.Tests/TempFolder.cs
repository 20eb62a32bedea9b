using System.Runtime.InteropServices;

namespace MimmoServe.Cli.Tests;

/// <summary>A temporary folder for files a test writes, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mimmo-cli-tests-").FullName;

    /// <summary>Writes <paramref name="values"/> as raw little-endian float32; returns the file's path.</summary>
    public string WriteFloats(string name, float[] values)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return path;
    }

    /// <summary>A NumPy file (format 1.0) of uint8 values with <paramref name="shape"/>, as <c>np.save</c> writes it.</summary>
    public string WriteUint8Npy(string name, byte[] values, params int[] shape)
    {
        var header = $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        // Magic, version, header length, then the header padded with spaces to a multiple of 64 bytes and ended by a newline.
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        var path = System.IO.Path.Combine(Path, name);
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)padded.Length));
        file.Write(System.Text.Encoding.Latin1.GetBytes(padded));
        file.Write(values);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
