using System.Numerics;
using System.Numerics.Tensors;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// Unbinds one input's outputs from its row and averages them. The input's members are the slots S' it occupied
/// (its replication group plus extra copies) at every exit e, each with weight ω = w[e][s] / |S'|; since every
/// slot's column of w sums to 1, the ω sum to 1 and p = Σ ω softmax(logits[row, e, s, :]) is a distribution.
/// Stateless: the caller owns the scratch span (E·M·K floats, one distribution per member).
/// </summary>
internal static class EnsembleAverager
{
    /// <summary>Top classes returned when the request asks for 0.</summary>
    public const int DefaultTopK = 5;

    /// <param name="contract">The model.</param>
    /// <param name="rowLogits">logits[row] as [E, M, K].</param>
    /// <param name="members">Bit s set for every slot of the input's row that holds a copy of it.</param>
    /// <param name="scratch">At least E·popcount(members)·K floats; holds each member's distribution afterwards.</param>
    /// <param name="probabilities">K floats: receives p.</param>
    /// <returns>The uncertainty of p over the members, and the chosen class.</returns>
    public static (Uncertainty Uncertainty, int ClassIndex) Average(
        ModelContract contract, ReadOnlySpan<float> rowLogits, ulong members, Span<float> scratch, Span<float> probabilities)
    {
        int slots = contract.Slots, exits = contract.Exits, classes = contract.NumClasses;
        var count = BitOperations.PopCount(members);
        probabilities.Clear();
        var m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < exits; e++, m++)
            {
                var q = scratch.Slice(m * classes, classes);
                Softmax(rowLogits.Slice(((e * slots) + s) * classes, classes), q);
                TensorPrimitives.MultiplyAdd(q, contract.Weight(e, s) / count, probabilities, probabilities);
            }
        }

        var chosen = TensorPrimitives.IndexOfMax(probabilities);
        float predictive = Entropy(probabilities), expected = 0, variance = 0, agreement = 0;
        m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < exits; e++, m++)
            {
                var q = scratch.Slice(m * classes, classes);
                var omega = contract.Weight(e, s) / count;
                var deviation = q[chosen] - probabilities[chosen];
                expected += omega * Entropy(q);
                variance += omega * deviation * deviation;
                agreement += TensorPrimitives.IndexOfMax(q) == chosen ? omega : 0;
            }
        }

        return (new Uncertainty(predictive, expected, MathF.Max(0, predictive - expected), variance, agreement), chosen);
    }

    /// <summary>The members in the order <see cref="Average"/> left them in scratch: slots ascending, exits within each slot.</summary>
    public static MemberPrediction[] Members(ModelContract contract, ulong members, ReadOnlySpan<float> scratch)
    {
        var count = BitOperations.PopCount(members);
        var result = new MemberPrediction[count * contract.Exits];
        var m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < contract.Exits; e++, m++)
            {
                result[m] = new MemberPrediction(e, s, contract.Weight(e, s) / count, scratch.Slice(m * contract.NumClasses, contract.NumClasses).ToArray());
            }
        }

        return result;
    }

    /// <summary>The <paramref name="topK"/> most probable classes (0: <see cref="DefaultTopK"/>; at most K), ties by lower index.</summary>
    public static ClassScore[] Top(ReadOnlySpan<float> probabilities, IReadOnlyList<string> labels, uint topK)
    {
        var n = (int)Math.Min(topK == 0 ? DefaultTopK : topK, (uint)probabilities.Length);
        var order = new int[probabilities.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = probabilities.ToArray();
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
        var top = new ClassScore[n];
        for (var i = 0; i < n; i++)
        {
            top[i] = new ClassScore(order[i], labels[order[i]], keys[order[i]]);
        }

        return top;
    }

    /// <summary>softmax with the maximum subtracted first, so large logits do not overflow exp.</summary>
    private static void Softmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Divide(destination, TensorPrimitives.Sum(destination), destination);
    }

    /// <summary>−Σ p ln p in nats, with 0 ln 0 = 0.</summary>
    private static float Entropy(ReadOnlySpan<float> p)
    {
        var h = 0f;
        foreach (var x in p)
        {
            if (x > 0)
            {
                h -= x * MathF.Log(x);
            }
        }

        return h;
    }
}
