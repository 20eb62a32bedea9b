namespace MimmoServe.Serving.Tests;

/// <summary>
/// The known function of tests/fixtures/mimo.onnx (constants repeated from make_fixtures.py) and the served
/// semantics of the contract, computed here in double precision, independently of the serving code:
/// logits[b, e, m, :] = Scale[e]·x[b, m, :] + Bias[e, :], p = (1/|S|) Σ_s Σ_e w[e][s] softmax(logits[b, e, s, :]).
/// </summary>
internal static class MimoFixture
{
    public const int Slots = 3;
    public const int Exits = 2;
    public const int Classes = 4;

    public static readonly double[] Scale = [1.0, 2.0];
    public static readonly double[,] Bias = { { 0.1, -0.2, 0.3, 0.0 }, { -0.5, 0.25, 0.0, 0.4 } };
    public static readonly double[,] Weights = { { 0.25, 0.5, 0.4 }, { 0.75, 0.5, 0.6 } };
    public static readonly string[] Labels = ["zero", "one", "two", "three"];

    /// <summary>softmax(logits[., e, s, :]) for item <paramref name="x"/> in the slot (the function does not depend on s).</summary>
    public static double[] MemberProbabilities(IReadOnlyList<float> x, int exit)
    {
        var z = new double[Classes];
        for (var k = 0; k < Classes; k++)
        {
            z[k] = (Scale[exit] * x[k]) + Bias[exit, k];
        }

        var max = z.Max();
        var exp = z.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(v => v / sum).ToArray();
    }

    /// <summary>The served distribution and uncertainty of item <paramref name="x"/> copied into <paramref name="slots"/>.</summary>
    public static Expected Serve(IReadOnlyList<float> x, IReadOnlyList<int> slots)
    {
        var members = new List<(double Weight, double[] P)>();
        foreach (var s in slots)
        {
            for (var e = 0; e < Exits; e++)
            {
                members.Add((Weights[e, s] / slots.Count, MemberProbabilities(x, e)));
            }
        }

        var p = new double[Classes];
        foreach (var (w, q) in members)
        {
            for (var k = 0; k < Classes; k++)
            {
                p[k] += w * q[k];
            }
        }

        var c = Array.IndexOf(p, p.Max());
        var predictive = Entropy(p);
        var expected = members.Sum(m => m.Weight * Entropy(m.P));
        var variance = members.Sum(m => m.Weight * (m.P[c] - p[c]) * (m.P[c] - p[c]));
        var agreement = members.Where(m => Array.IndexOf(m.P, m.P.Max()) == c).Sum(m => m.Weight);
        return new Expected(p, c, predictive, expected, predictive - expected, variance, agreement);
    }

    private static double Entropy(double[] p) => -p.Where(v => v > 0).Sum(v => v * Math.Log(v));

    public sealed record Expected(double[] P, int Class, double PredictiveEntropy, double ExpectedEntropy, double MutualInformation, double Variance, double Agreement);
}
