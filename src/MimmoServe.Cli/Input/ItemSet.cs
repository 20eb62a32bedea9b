using System.Text.Json;
using MimmoServe.Cli.Output;

namespace MimmoServe.Cli.Input;

/// <summary>
/// Many items of one shape, with their labels when known: what <c>mimmo bench --images</c> cycles over. Read from a
/// gzipped IDX image file (Fashion-MNIST; labels from the <c>labels-idx1</c> file beside it), a <c>.npy</c> array
/// <c>[N, *item]</c>, or a raw float32 file <c>[N, *item]</c> (labels from a <c>manifest.json</c> beside it whose
/// <c>images</c> names the file: the layout of <c>models/reference/</c>).
/// </summary>
internal sealed record ItemSet(float[][] Items, int[]? Labels)
{
    public const string ManifestFile = "manifest.json";

    /// <param name="path">The file.</param>
    /// <param name="itemShape">The model's item shape.</param>
    /// <param name="modelLabels">The model's labels: an IDX file's Fashion-MNIST labels become the model's class indices by them (<see cref="FashionMnist.ModelClasses"/>).</param>
    /// <exception cref="InvalidDataException">The file cannot be read, its values are not whole items of <paramref name="itemShape"/>, or its labels do not match.</exception>
    public static ItemSet Load(string path, IReadOnlyList<long> itemShape, IReadOnlyList<string>? modelLabels = null)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} does not exist.");
        }

        var itemLength = (int)itemShape.Aggregate(1L, (a, b) => a * b);
        var set = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new ItemSet(FashionMnist.Images(path), IdxLabels(path, modelLabels))
            : new ItemSet(Split(path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? NpyReader.Read(path).Data : RawFloatReader.Read(path), itemLength, path, itemShape), ManifestLabels(path));
        if (set.Items.Length == 0 || set.Items[0].Length != itemLength)
        {
            throw new InvalidDataException($"{path} holds items of {(set.Items.Length == 0 ? 0 : set.Items[0].Length)} values; the model takes items of shape {ModelView.Shape(itemShape)} ({itemLength} values).");
        }

        if (set.Labels is { } labels && labels.Length != set.Items.Length)
        {
            throw new InvalidDataException($"{path} holds {set.Items.Length} items but its labels are {labels.Length}.");
        }

        return set;
    }

    /// <summary>The labels beside an IDX image file as the model's class indices (Fashion-MNIST's numbering without <paramref name="modelLabels"/>); null without a labels file.</summary>
    private static int[]? IdxLabels(string path, IReadOnlyList<string>? modelLabels)
    {
        var labels = FashionMnist.Labels(path);
        if (labels is null || modelLabels is null)
        {
            return labels;
        }

        var classes = FashionMnist.ModelClasses(modelLabels);
        return [.. labels.Select(l => FashionMnist.ModelClass(l, classes))];
    }

    private static float[][] Split(float[] values, int itemLength, string path, IReadOnlyList<long> itemShape)
    {
        if (values.Length % itemLength != 0)
        {
            throw new InvalidDataException($"{path} has {values.Length} values, not a whole number of items of shape {ModelView.Shape(itemShape)} ({itemLength} values).");
        }

        return [.. Enumerable.Range(0, values.Length / itemLength).Select(i => values.AsSpan(i * itemLength, itemLength).ToArray())];
    }

    /// <summary>The <c>labels</c> of a <c>manifest.json</c> beside <paramref name="path"/> whose <c>images</c> is that file; null otherwise.</summary>
    private static int[]? ManifestLabels(string path)
    {
        var manifest = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ManifestFile);
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        var root = document.RootElement;
        return root.TryGetProperty("images", out var images) && images.GetString() == Path.GetFileName(path) && root.TryGetProperty("labels", out var labels)
            ? [.. labels.EnumerateArray().Select(l => l.GetInt32())]
            : null;
    }
}
