using MimmoServe.Cli.Output;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Input;

/// <summary>The item of <c>mimmo predict</c>, from exactly one source, checked against the model's item shape.</summary>
internal static class PredictInput
{
    /// <summary>The item's values; <paramref name="file"/> ending in <c>.npy</c> is NumPy, any other file raw float32.</summary>
    /// <exception cref="InvalidDataException">No source, two sources, or an item that does not fit the model.</exception>
    public static float[] Load(string? file, int? fashionIndex, string fashionPath, ModelInfo model)
    {
        if ((file is null) == (fashionIndex is null))
        {
            throw new InvalidDataException("give exactly one input: a file (.npy or raw float32) or --fashion-mnist N.");
        }

        var data = fashionIndex is { } index
            ? FashionMnist.Image(fashionPath, index)
            : file!.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? NpyReader.Read(file).Data : RawFloatReader.Read(file);
        var expected = model.ItemShape.Aggregate(1L, (a, b) => a * b);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"the input has {data.Length} values; model '{model.Name}' takes one item of shape {ModelView.Shape(model.ItemShape)} ({expected} values).");
        }

        return data;
    }
}
