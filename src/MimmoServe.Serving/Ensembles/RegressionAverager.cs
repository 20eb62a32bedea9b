using System.Numerics;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// Unbinds one input's outputs from its row of a regression model (<see cref="OutputKind.Regression"/>) and combines
/// them: its members are the slots S' it occupied at every exit, each of weight ω = w[e][s] / |S'|, as a classifier's
/// (<see cref="EnsembleAverager"/>); each member's output is its T means, then, with a variance head, its T variances.
/// Per target: the weighted mean, the members' variance about it (epistemic), the mean of their variances (aleatoric,
/// a negative one counted as 0: no variance is negative), their sum, and a central Gaussian interval. Stateless.
/// </summary>
public static class RegressionAverager
{
    /// <summary>The probability of each target's [lower, upper] interval under a Gaussian of the predicted mean and variance.</summary>
    public const float IntervalLevel = 0.95f;

    /// <summary>The standard normal quantile of (1 + <see cref="IntervalLevel"/>) / 2.</summary>
    private const float Z = 1.959964f;

    /// <param name="contract">A regression model.</param>
    /// <param name="rowOutputs">The input's row of the output, [E, M, W] with W = T or 2T.</param>
    /// <param name="members">Bit s set for every slot of the row that holds a copy of the input.</param>
    /// <returns>One answer per target, in the model's order.</returns>
    public static TargetPrediction[] Average(ModelContract contract, ReadOnlySpan<float> rowOutputs, ulong members)
    {
        var head = contract.Regression ?? throw new ArgumentException($"not a regression model ({contract.Output})", nameof(contract));
        var count = BitOperations.PopCount(members);
        var width = head.Width;
        var result = new TargetPrediction[head.Targets];
        for (var t = 0; t < head.Targets; t++)
        {
            float mean = 0, aleatoric = 0;
            for (var bits = members; bits != 0; bits &= bits - 1)
            {
                var s = BitOperations.TrailingZeroCount(bits);
                for (var e = 0; e < contract.Exits; e++)
                {
                    var omega = contract.Weight(e, s) / count;
                    var member = rowOutputs.Slice(((e * contract.Slots) + s) * width, width);
                    mean += omega * member[t];
                    aleatoric += head.HasVariance ? omega * MathF.Max(0, member[head.Targets + t]) : 0;
                }
            }

            float epistemic = 0;
            for (var bits = members; bits != 0; bits &= bits - 1)
            {
                var s = BitOperations.TrailingZeroCount(bits);
                for (var e = 0; e < contract.Exits; e++)
                {
                    var deviation = rowOutputs[(((e * contract.Slots) + s) * width) + t] - mean;
                    epistemic += contract.Weight(e, s) / count * deviation * deviation;
                }
            }

            var variance = epistemic + aleatoric;
            var half = Z * MathF.Sqrt(variance);
            result[t] = new TargetPrediction(contract.Labels[t], mean, epistemic, aleatoric, variance, mean - half, mean + half);
        }

        return result;
    }

    /// <summary>Every member's output (T means, then T variances when the model has them), slots ascending and exits within each slot, with ω.</summary>
    public static MemberPrediction[] Members(ModelContract contract, ReadOnlySpan<float> rowOutputs, ulong members)
    {
        var count = BitOperations.PopCount(members);
        var result = new MemberPrediction[count * contract.Exits];
        var m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < contract.Exits; e++, m++)
            {
                result[m] = new MemberPrediction(e, s, contract.Weight(e, s) / count, rowOutputs.Slice(((e * contract.Slots) + s) * contract.NumClasses, contract.NumClasses).ToArray());
            }
        }

        return result;
    }
}
