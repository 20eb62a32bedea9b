using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MimmoServe.Cli.Input;

/// <summary>
/// Reads a NumPy <c>.npy</c> file (format versions 1-3) of float32 (<c>&lt;f4</c>), float64 (<c>&lt;f8</c>) or uint8
/// (<c>|u1</c>, scaled by 1/255 as pixels) in C order. The header is a Python dict literal: <c>descr</c>,
/// <c>fortran_order</c>, <c>shape</c>.
/// </summary>
internal static partial class NpyReader
{
    // 0x93 then "NUMPY" (a u8 string literal would encode 0x93 as two UTF-8 bytes).
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path) => Parse(File.ReadAllBytes(path));

    /// <exception cref="InvalidDataException">Not an .npy file this reader understands.</exception>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not an .npy file (no \\x93NUMPY magic).");
        }

        var major = bytes[6];
        var (headerLength, headerStart) = major switch
        {
            1 => (BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]), 10),
            2 or 3 => ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]), 12),
            _ => throw new InvalidDataException($".npy format version {major} is not supported (1, 2 or 3)."),
        };
        if (headerStart + headerLength > bytes.Length)
        {
            throw new InvalidDataException(".npy header is longer than the file.");
        }

        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, headerLength));
        var descr = Match(DescrPattern(), header, "descr");
        if (Match(FortranPattern(), header, "fortran_order") == "True")
        {
            throw new InvalidDataException(".npy in Fortran order is not supported; save a C-ordered array (np.ascontiguousarray).");
        }

        var shape = Match(ShapePattern(), header, "shape")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToArray();
        var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        var body = bytes[(headerStart + headerLength)..];
        var data = Decode(descr, body, count);
        return new NpyArray(data, shape, descr.EndsWith("u1", StringComparison.Ordinal) ? body.ToArray() : null);
    }

    private static float[] Decode(string descr, ReadOnlySpan<byte> body, int count)
    {
        var size = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            "|u1" or "<u1" => 1,
            _ => throw new InvalidDataException($".npy dtype '{descr}' is not supported: use float32 (<f4), float64 (<f8) or uint8 (|u1)."),
        };
        if (body.Length != count * size)
        {
            throw new InvalidDataException($".npy data has {body.Length} bytes, the shape needs {count * size}.");
        }

        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = size switch
            {
                4 => BinaryPrimitives.ReadSingleLittleEndian(body[(i * 4)..]),
                8 => (float)BinaryPrimitives.ReadDoubleLittleEndian(body[(i * 8)..]),
                _ => body[i] / 255f,
            };
        }

        return data;
    }

    private static string Match(Regex pattern, string header, string key)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new InvalidDataException($".npy header has no '{key}': {header.Trim()}");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
