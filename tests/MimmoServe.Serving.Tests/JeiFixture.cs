using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Tests;

/// <summary>
/// The known function of the staged fixture tests/fixtures/jeidnn/ (constants repeated from make_fixtures.py), computed
/// here in double precision independently of the serving code: M = 3, S = E = 3, K = 4, item [4];
/// logits_e[b, m, :] = Scale[e]·x[b, m, :] + Bias[e, :]; gate_e[b, m] = x[b, m, e] for e &lt; 2 and 1 at the last exit.
/// </summary>
internal static class JeiFixture
{
    public const int Slots = 3;
    public const int Exits = 3;
    public const int Classes = 4;
    public const double GateThreshold = 0.5;

    public static readonly double[] Scale = [1.0, 2.0, 3.0];
    public static readonly double[,] Bias = { { 0.1, -0.2, 0.3, 0.0 }, { -0.5, 0.25, 0.0, 0.4 }, { 0.2, 0.2, -0.1, -0.3 } };
    public static readonly double[] Costs = [0.2, 0.3, 0.5];

    /// <summary>mimmo.conformal's thresholds q[k][e] (alpha 0.1).</summary>
    public static readonly Dictionary<int, double[]> Conformal = new() { [1] = [0.5, 0.6, 0.7], [3] = [0.6, 0.7, 0.8] };

    private static readonly Lazy<OnnxSession> s_first = new(() => Open(Path("model.onnx")));
    private static readonly Lazy<StageSessions> s_stages = new(() => StageSessions.Open(ContractReader.Read(First), Folder, Open));

    public static string Folder => Fixtures.Path("jeidnn");

    /// <summary>Stage 0's session, shared by the tests (never disposed, as the other fixture sessions).</summary>
    public static OnnxSession First => s_first.Value;

    /// <summary>Stages 1 and 2, shared by the tests.</summary>
    public static StageSessions Stages => s_stages.Value;

    public static string Path(string file) => System.IO.Path.Combine(Folder, file);

    public static OnnxSession Open(string path) => OnnxRuntime.Shared.CreateSession(path, new OnnxSessionOptions { IntraOpThreads = 1 });

    /// <summary>The contract of stage 0, optionally with edited metadata.</summary>
    public static ModelContract Contract(Action<Dictionary<string, string>>? edit = null)
    {
        var metadata = new Dictionary<string, string>(First.Metadata.CustomMetadata, StringComparer.Ordinal);
        edit?.Invoke(metadata);
        return ContractReader.Read(First.Inputs, First.Outputs, metadata);
    }

    /// <summary>softmax(logits_e) of item <paramref name="x"/> (the same in every slot).</summary>
    public static double[] Probabilities(IReadOnlyList<float> x, int exit)
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

    /// <summary>auto: the first exit whose gate (x[e]) reaches the threshold, else the last.</summary>
    public static int AutoExit(IReadOnlyList<float> x)
    {
        for (var e = 0; e < Exits - 1; e++)
        {
            if (x[e] >= GateThreshold)
            {
                return e;
            }
        }

        return Exits - 1;
    }

    /// <summary>A threshold t: the first exit whose top probability reaches t, else the last.</summary>
    public static int ThresholdExit(IReadOnlyList<float> x, double t)
    {
        for (var e = 0; e < Exits - 1; e++)
        {
            if (Probabilities(x, e).Max() >= t)
            {
                return e;
            }
        }

        return Exits - 1;
    }

    public static double ComputeShare(int exit) => Costs.Take(exit + 1).Sum();

    /// <summary>The conformal set {c : 1 - p_e[c] &lt;= q[k][e]} of item <paramref name="x"/> answered at <paramref name="exit"/>.</summary>
    public static int[] PredictionSet(IReadOnlyList<float> x, int exit, int k)
    {
        var p = Probabilities(x, exit);
        return [.. Enumerable.Range(0, Classes).Where(c => 1 - p[c] <= Conformal[k][exit])];
    }
}
