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

    private const int ImageLength = 28 * 28;

    /// <summary>Fashion-MNIST's class names, in the numbering of its label files.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The model's class index for each Fashion-MNIST label. When the model's labels are Fashion-MNIST's class names in
    /// another order (a model trained on class folders numbers its classes by the sorted folder names), by name, letters
    /// and digits only and case ignored ("T-shirt-top" is "T-shirt/top"); otherwise the label itself (the bundled models
    /// use Fashion-MNIST's numbering; a model labelled 0..9 is compared by number).
    /// </summary>
    public static int[] ModelClasses(IReadOnlyList<string> modelLabels)
    {
        var identity = Enumerable.Range(0, ClassNames.Count).ToArray();
        var names = modelLabels.Select(Normalized).ToList();
        if (names.Count != ClassNames.Count || names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            return identity;
        }

        var map = ClassNames.Select(n => names.IndexOf(Normalized(n))).ToArray();
        return map.Contains(-1) ? identity : map;

        static string Normalized(string name) => string.Concat(name.Where(char.IsLetterOrDigit)).ToLowerInvariant();
    }

    /// <summary>Fashion-MNIST label <paramref name="label"/> as the model's class index, by <paramref name="classes"/> from <see cref="ModelClasses"/>.</summary>
    public static int ModelClass(int label, int[] classes) => label >= 0 && label < classes.Length ? classes[label] : label;

    /// <summary>Image <paramref name="index"/> as 784 floats in [0, 1], shape [1, 28, 28].</summary>
    /// <exception cref="InvalidDataException">Not an IDX image file, or no such image.</exception>
    public static float[] Image(string path, int index) => Scale(Pixels(path, index));

    /// <summary>Image <paramref name="index"/> as its 784 pixels (0-255), shape [1, 28, 28].</summary>
    /// <exception cref="InvalidDataException">Not an IDX image file, or no such image.</exception>
    public static byte[] Pixels(string path, int index)
    {
        using var stream = OpenImages(path, out var count);
        if (index < 0 || index >= count)
        {
            throw new InvalidDataException($"image {index} does not exist: {path} holds {count} images (0..{count - 1}).");
        }

        var pixels = new byte[ImageLength];
        for (var i = 0; i < index; i++)
        {
            stream.ReadExactly(pixels);
        }

        stream.ReadExactly(pixels);
        return pixels;
    }

    /// <summary>Every image of the file, in order, each as 784 floats in [0, 1].</summary>
    /// <exception cref="InvalidDataException">Not an IDX image file.</exception>
    public static float[][] Images(string path)
    {
        using var stream = OpenImages(path, out var count);
        var pixels = new byte[ImageLength];
        var images = new float[count][];
        for (var i = 0; i < count; i++)
        {
            stream.ReadExactly(pixels);
            images[i] = Scale(pixels);
        }

        return images;
    }

    /// <summary>Every label of the labels file beside <paramref name="imagesPath"/>, in Fashion-MNIST's numbering (see <see cref="ModelClasses"/>); null when there is none.</summary>
    /// <exception cref="InvalidDataException">The labels file is not an IDX file of labels.</exception>
    public static int[]? Labels(string imagesPath)
    {
        if (LabelsPath(imagesPath) is not { } labels)
        {
            return null;
        }

        using var stream = new GZipStream(File.OpenRead(labels), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x801)
        {
            throw new InvalidDataException($"{labels} is not an IDX file of labels (magic {BinaryPrimitives.ReadInt32BigEndian(header):x}).");
        }

        var all = new byte[BinaryPrimitives.ReadInt32BigEndian(header[4..])];
        stream.ReadExactly(all);
        return [.. all.Select(b => (int)b)];
    }

    /// <summary>The label of test image <paramref name="index"/>, from the labels file beside the images; null when there is none.</summary>
    public static int? Label(string imagesPath, int index)
    {
        if (LabelsPath(imagesPath) is not { } labels)
        {
            return null;
        }

        using var stream = new GZipStream(File.OpenRead(labels), CompressionMode.Decompress);
        var all = new byte[8 + index + 1];
        stream.ReadExactly(all);
        return all[8 + index];
    }

    private static string? LabelsPath(string imagesPath)
    {
        var labels = imagesPath.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
        return labels != imagesPath && File.Exists(labels) ? labels : null;
    }

    /// <summary>The decompressed stream after the header, and the number of images.</summary>
    private static GZipStream OpenImages(string path, out int count)
    {
        var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        var columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (magic != 0x803 || rows != 28 || columns != 28)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path} is not an IDX file of 28x28 images (magic {magic:x}, {rows}x{columns}).");
        }

        return stream;
    }

    /// <summary>Pixels as floats in [0, 1].</summary>
    public static float[] Scale(byte[] pixels) => [.. pixels.Select(p => p / 255f)];
}
