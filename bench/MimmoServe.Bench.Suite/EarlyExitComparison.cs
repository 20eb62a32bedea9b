using System.Text.Json.Serialization;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// <c>auto</c> against <c>full</c> on the same model, k and load: the throughput ratio and what it costs in accuracy.
/// The two points themselves are in the results' early-exit list, not repeated here.
/// </summary>
internal sealed record EarlyExitComparison(string Model, int K, [property: JsonIgnore] EarlyExitPoint Auto, [property: JsonIgnore] EarlyExitPoint Full)
{
    public double ThroughputRatio => Auto.Saturation.PerSecond / Full.Saturation.PerSecond;

    /// <summary>auto's served accuracy minus full's (negative: auto is less accurate); null without labels.</summary>
    public double? AccuracyDifference => Auto.Saturation.Accuracy - Full.Saturation.Accuracy;

    public static IReadOnlyList<EarlyExitComparison> Of(IEnumerable<EarlyExitPoint> points) =>
        [.. points.GroupBy(p => (p.Model, p.K))
            .Select(g => (g.Key, auto: g.FirstOrDefault(p => p.Policy == EarlyExit.Auto), full: g.FirstOrDefault(p => p.Policy == EarlyExit.Full)))
            .Where(g => g.auto is not null && g.full is not null)
            .Select(g => new EarlyExitComparison(g.Key.Model, g.Key.K, g.auto!, g.full!))];
}
