namespace MimmoServe.Serving.Contract;

/// <summary>
/// A staged model's split-conformal calibration (<c>mimmo.conformal</c>, optional): for each ensemble size k and exit e a
/// threshold q so that the set {c : 1 − p_e[c] &lt;= q} of an input answered at e holds its true class with
/// probability at least 1 − <see cref="Alpha"/> (JEI-DNN calibrates each exit). Immutable.
/// </summary>
public sealed class ConformalThresholds
{
    private readonly Dictionary<int, double[]> _thresholds;

    internal ConformalThresholds(double alpha, Dictionary<int, double[]> thresholds)
    {
        Alpha = alpha;
        _thresholds = thresholds;
    }

    /// <summary>The miscoverage the thresholds were calibrated for.</summary>
    public double Alpha { get; }

    /// <summary>q of inputs of size <paramref name="k"/> answered at <paramref name="exit"/>.</summary>
    public double Threshold(int k, int exit) => _thresholds[k][exit];

    /// <summary>The classes c with 1 − p[c] &lt;= q, ascending: the prediction set of p at exit <paramref name="exit"/> for size <paramref name="k"/>.</summary>
    public int[] Set(ReadOnlySpan<float> probabilities, int k, int exit)
    {
        var q = Threshold(k, exit);
        var count = 0;
        foreach (var p in probabilities)
        {
            count += 1 - (double)p <= q ? 1 : 0;
        }

        var set = new int[count];
        var at = 0;
        for (var c = 0; c < probabilities.Length; c++)
        {
            if (1 - (double)probabilities[c] <= q)
            {
                set[at++] = c;
            }
        }

        return set;
    }
}
