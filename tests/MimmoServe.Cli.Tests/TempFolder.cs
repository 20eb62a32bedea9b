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

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
