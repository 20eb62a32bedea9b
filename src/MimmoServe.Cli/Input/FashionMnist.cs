using System.Buffers.Binary;
using System.IO.Compression;

namespace MimmoServe.Cli.Input;

/// <summary>
/// Test images and labels of Fashion-MNIST in the IDX format (gzipped), as Debian's data set installs them:
/// images 28x28 uint8, scaled to [0, 1] as the models expect (models/CONTRACT.md).
/// </summary>
internal static class FashionMnist
{
    public const string DefaultImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    /// <summary>Image <paramref name="index"/> as 784 floats in [0, 1], shape [1, 28, 28].</summary>
    /// <exception cref="InvalidDataException">Not an IDX image file, or no such image.</exception>
    public static float[] Image(string path, int index)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        var count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        var columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (magic != 0x803 || rows != 28 || columns != 28)
        {
            throw new InvalidDataException($"{path} is not an IDX file of 28x28 images (magic {magic:x}, {rows}x{columns}).");
        }

        if (index < 0 || index >= count)
        {
            throw new InvalidDataException($"image {index} does not exist: {path} holds {count} images (0..{count - 1}).");
        }

        var pixels = new byte[rows * columns];
        var skip = new byte[pixels.Length];
        for (var i = 0; i < index; i++)
        {
            stream.ReadExactly(skip);
        }

        stream.ReadExactly(pixels);
        return [.. pixels.Select(p => p / 255f)];
    }

    /// <summary>The label of test image <paramref name="index"/>, from the labels file beside the images; null when there is none.</summary>
    public static int? Label(string imagesPath, int index)
    {
        var labels = imagesPath.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
        if (labels == imagesPath || !File.Exists(labels))
        {
            return null;
        }

        using var stream = new GZipStream(File.OpenRead(labels), CompressionMode.Decompress);
        var all = new byte[8 + index + 1];
        stream.ReadExactly(all);
        return all[8 + index];
    }
}
