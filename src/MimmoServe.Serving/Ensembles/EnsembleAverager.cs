using System.Numerics;
using System.Numerics.Tensors;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// Unbinds one input's outputs from its row and averages them. The input's members are the slots S' it occupied
/// (its replication group plus extra copies) at every exit e, each with weight ω = w[e][s] / |S'|; since every
/// slot's column of w sums to 1, the ω sum to 1 and p = Σ ω softmax(logits[row, e, s, :]) is a distribution. A model
/// whose output holds probabilities already (<see cref="OutputKind.Probabilities"/>) has each member's output
/// renormalized instead of softmaxed.
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
        ModelContract contract, ReadOnlySpan<float> rowLogits, ulong members, Span<float> scratch, Span<float> probabilities) =>
        Average(rowLogits, contract.Exits, contract.Slots, contract.NumClasses, contract.ExitWeights, contract.Output, members, scratch, probabilities);

    /// <summary>
    /// One exit of a staged model alone (models/CONTRACT.md, "Serving a staged model"): p_e = (1/|S'|) Σ_{s in S'}
    /// softmax(logits_e[row, s, :]), its uncertainty over those |S'| members (ω = 1/|S'| each).
    /// </summary>
    /// <param name="contract">The model.</param>
    /// <param name="exitLogits">The exit's logits of the input's row, [M, K].</param>
    /// <param name="members">The input's slots in the row.</param>
    /// <param name="scratch">At least popcount(members)·K floats; holds each member's distribution afterwards.</param>
    /// <param name="probabilities">K floats: receives p_e.</param>
    public static (Uncertainty Uncertainty, int ClassIndex) AverageExit(
        ModelContract contract, ReadOnlySpan<float> exitLogits, ulong members, Span<float> scratch, Span<float> probabilities) =>
        Average(exitLogits, 1, contract.Slots, contract.NumClasses, default, contract.Output, members, scratch, probabilities);

    /// <summary>The members in the order <see cref="Average(ModelContract, ReadOnlySpan{float}, ulong, Span{float}, Span{float})"/> left them in scratch: slots ascending, exits within each slot.</summary>
    public static MemberPrediction[] Members(ModelContract contract, ulong members, ReadOnlySpan<float> scratch) =>
        Members(contract, 0, contract.Exits, contract.ExitWeights, members, scratch);

    /// <summary>The members of exit <paramref name="exit"/> as <see cref="AverageExit"/> left them in scratch, each of weight 1/|S'|.</summary>
    public static MemberPrediction[] MembersAtExit(ModelContract contract, int exit, ulong members, ReadOnlySpan<float> scratch) =>
        Members(contract, exit, 1, default, members, scratch);

    /// <summary>
    /// p = Σ ω softmax(logits[e, s]) over the members s in S' and the <paramref name="exits"/> exits of <paramref name="rowLogits"/>
    /// ([exits, M, K]), ω = w[e][s] / |S'| (w empty: 1 for each).
    /// </summary>
    private static (Uncertainty Uncertainty, int ClassIndex) Average(
        ReadOnlySpan<float> rowLogits, int exits, int slots, int classes, ReadOnlySpan<float> weights, OutputKind output, ulong members, Span<float> scratch, Span<float> probabilities)
    {
        var count = BitOperations.PopCount(members);
        probabilities.Clear();
        var m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < exits; e++, m++)
            {
                var q = scratch.Slice(m * classes, classes);
                Distribution(rowLogits.Slice(((e * slots) + s) * classes, classes), output, q);
                TensorPrimitives.MultiplyAdd(q, Weight(weights, e, s, slots) / count, probabilities, probabilities);
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
                var omega = Weight(weights, e, s, slots) / count;
                var deviation = q[chosen] - probabilities[chosen];
                expected += omega * Entropy(q);
                variance += omega * deviation * deviation;
                agreement += TensorPrimitives.IndexOfMax(q) == chosen ? omega : 0;
            }
        }

        return (new Uncertainty(predictive, expected, MathF.Max(0, predictive - expected), variance, agreement), chosen);
    }

    private static MemberPrediction[] Members(ModelContract contract, int firstExit, int exits, ReadOnlySpan<float> weights, ulong members, ReadOnlySpan<float> scratch)
    {
        var count = BitOperations.PopCount(members);
        var result = new MemberPrediction[count * exits];
        var m = 0;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            var s = BitOperations.TrailingZeroCount(bits);
            for (var e = 0; e < exits; e++, m++)
            {
                var weight = Weight(weights, e, s, contract.Slots) / count;
                result[m] = new MemberPrediction(firstExit + e, s, weight, scratch.Slice(m * contract.NumClasses, contract.NumClasses).ToArray());
            }
        }

        return result;
    }

    private static float Weight(ReadOnlySpan<float> weights, int exit, int slot, int slots) => weights.IsEmpty ? 1f : weights[(exit * slots) + slot];

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

    /// <summary>A member's distribution: the softmax of logits, or probabilities renormalized (negative values, which no probability has, count as 0).</summary>
    private static void Distribution(ReadOnlySpan<float> output, OutputKind kind, Span<float> destination)
    {
        if (kind == OutputKind.Logits)
        {
            Softmax(output, destination);
            return;
        }

        TensorPrimitives.Max(output, 0f, destination);
        var sum = TensorPrimitives.Sum(destination);
        if (sum == 0)
        {
            // Nothing to normalize: uniform, as a softmax of equal logits would be.
            destination.Fill(1f / destination.Length);
        }
        else
        {
            // A value that is not finite stays so, as a softmax would leave it.
            TensorPrimitives.Divide(destination, sum, destination);
        }
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
