using MimmoServe.Cli.Output;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Input;

/// <summary>The items of <c>mimmo predict</c>, from one kind of source (files or Fashion-MNIST indices), each checked against the model's item shape.</summary>
internal static class PredictInput
{
    /// <summary>
    /// The items with their ids (the file's name, or <c>fashion-mnist-N</c>), in the order given; a file ending in
    /// <c>.npy</c> is NumPy, any other file raw float32. A Fashion-MNIST image and a uint8 <c>.npy</c> also keep their
    /// 8-bit pixels, which go as raw_uint8 to a model that says what a byte means (<see cref="ModelInfo.InputScale"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">No source, both kinds of source, or an item that does not fit the model.</exception>
    public static IReadOnlyList<(string Id, float[] Data, byte[]? Pixels)> Load(
        IReadOnlyList<string> files, IReadOnlyList<int> fashionIndices, string fashionPath, ModelInfo model)
    {
        if ((files.Count == 0) == (fashionIndices.Count == 0))
        {
            throw new InvalidDataException("give the input in exactly one way: files (.npy or raw float32) or --fashion-mnist N [N ...].");
        }

        var items = fashionIndices.Count > 0
            ? fashionIndices.Select(i => FashionMnist.Pixels(fashionPath, i)).Select((p, n) => ($"fashion-mnist-{fashionIndices[n]}", FashionMnist.Scale(p), (byte[]?)p)).ToList()
            : files.Select(Read).ToList();
        var expected = model.ItemShape.Aggregate(1L, (a, b) => a * b);
        foreach (var (id, data, _) in items)
        {
            if (data.Length != expected)
            {
                throw new InvalidDataException(
                    $"the input {id} has {data.Length} values; model '{model.Name}' takes items of shape " +
                    $"{ModelView.Shape(model.ItemShape)} ({expected} values).");
            }
        }

        return items;
    }

    /// <summary>A file's item: a uint8 <c>.npy</c> keeps its bytes too.</summary>
    private static (string Id, float[] Data, byte[]? Pixels) Read(string file)
    {
        if (!file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            return (Path.GetFileName(file), RawFloatReader.Read(file), null);
        }

        var array = NpyReader.Read(file);
        return (Path.GetFileName(file), array.Data, array.Pixels);
    }
}
