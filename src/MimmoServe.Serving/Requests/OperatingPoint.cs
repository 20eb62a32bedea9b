using System.Globalization;
using MimmoServe.Protocol;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Chooses k, the number of slots a request occupies: the request's <c>ensemble_size</c> when > 0, else the
/// <c>x-mimmo-mode</c> header (accuracy = M, throughput = 1, balanced = the median of the supported sizes, the
/// lower of the two middle ones, or a number), else the model's default.
/// </summary>
public static class OperatingPoint
{
    /// <exception cref="ServingException">InvalidArgument: a mode that is not a known word or number, or a k the model does not support; the message names the supported sizes.</exception>
    public static int Resolve(ModelContract contract, int defaultSize, uint requested, string? mode)
    {
        ArgumentNullException.ThrowIfNull(contract);
        int k;
        string source;
        if (requested > 0)
        {
            k = requested > int.MaxValue ? int.MaxValue : (int)requested;
            source = $"ensemble_size {requested}";
        }
        else if (string.IsNullOrWhiteSpace(mode))
        {
            return defaultSize;
        }
        else
        {
            k = FromMode(contract, mode.Trim());
            source = $"{ModeHeader.Name} '{mode}'";
        }

        return contract.Supports(k)
            ? k
            : throw ServingErrors.InvalidArgument($"{source} asks for {k} slots; the model supports ensemble sizes [{Sizes(contract)}].");
    }

    /// <summary>The median of the supported sizes; of an even count, the lower middle one.</summary>
    public static int Balanced(ModelContract contract) => contract.EnsembleSizes[(contract.EnsembleSizes.Count - 1) / 2];

    private static int FromMode(ModelContract contract, string mode)
    {
        if (mode.Equals(ModeHeader.Accuracy, StringComparison.OrdinalIgnoreCase))
        {
            return contract.Slots;
        }

        if (mode.Equals(ModeHeader.Throughput, StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        if (mode.Equals(ModeHeader.Balanced, StringComparison.OrdinalIgnoreCase))
        {
            return Balanced(contract);
        }

        return int.TryParse(mode, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k > 0
            ? k
            : throw ServingErrors.InvalidArgument(
                $"{ModeHeader.Name} '{mode}' is not {ModeHeader.Accuracy}, {ModeHeader.Throughput}, {ModeHeader.Balanced} or a number; the model supports ensemble sizes [{Sizes(contract)}].");
    }

    private static string Sizes(ModelContract contract) => string.Join(", ", contract.EnsembleSizes);
}
