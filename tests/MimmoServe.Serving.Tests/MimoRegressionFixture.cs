namespace MimmoServe.Serving.Tests;

/// <summary>
/// tests/fixtures/mimo_regression.onnx: mimo.onnx's graph (<see cref="MimoFixture"/>) read as a regression model with a
/// variance head and T = 2 targets, and its served answer computed here in double precision, independently of the
/// serving code: member (e, s) of item x gives means Scale[e]·x[0..1] + Bias[e, 0..1] and variances
/// max(0, Scale[e]·x[2..3] + Bias[e, 2..3]); with ω = w[e][s] / |S|, mean = Σ ω μ, epistemic = Σ ω (μ − mean)²,
/// aleatoric = Σ ω σ², and the 95% interval mean ± 1.959964·√(epistemic + aleatoric).
/// </summary>
internal static class MimoRegressionFixture
{
    public const int Targets = 2;

    public static readonly string[] Names = ["height", "weight"];

    /// <summary>Per target of item <paramref name="x"/> copied into <paramref name="slots"/>: mean, epistemic, aleatoric, lower, upper.</summary>
    public static (double Mean, double Epistemic, double Aleatoric, double Lower, double Upper)[] Serve(IReadOnlyList<float> x, IReadOnlyList<int> slots)
    {
        var members = new List<(double Weight, int Exit)>();
        foreach (var s in slots)
        {
            for (var e = 0; e < MimoFixture.Exits; e++)
            {
                members.Add((MimoFixture.Weights[e, s] / slots.Count, e));
            }
        }

        var result = new (double, double, double, double, double)[Targets];
        for (var t = 0; t < Targets; t++)
        {
            double Value(int exit, int index) => (MimoFixture.Scale[exit] * x[index]) + MimoFixture.Bias[exit, index];
            var mean = members.Sum(m => m.Weight * Value(m.Exit, t));
            var epistemic = members.Sum(m => m.Weight * Math.Pow(Value(m.Exit, t) - mean, 2));
            var aleatoric = members.Sum(m => m.Weight * Math.Max(0, Value(m.Exit, Targets + t)));
            var half = 1.959964 * Math.Sqrt(epistemic + aleatoric);
            result[t] = (mean, epistemic, aleatoric, mean - half, mean + half);
        }

        return result;
    }
}
