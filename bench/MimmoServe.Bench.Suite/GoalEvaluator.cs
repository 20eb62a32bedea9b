using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>The goals of issue 6 against one run's figures.</summary>
internal static class GoalEvaluator
{
    public static IReadOnlyList<Goal> Evaluate(IReadOnlyList<ServedPoint> served, IReadOnlyList<NaivePoint> naive)
    {
        var goals = new List<Goal>();
        foreach (var group in served.Where(p => p.Slots > 1).GroupBy(p => p.Model))
        {
            var one = group.FirstOrDefault(p => p.K == 1);
            var all = group.FirstOrDefault(p => p.K == p.Slots);
            if (one is not null && all is not null)
            {
                var speedup = one.Saturation.PerSecond / all.Saturation.PerSecond;
                goals.Add(new Goal($"superposition speedup, {group.Key}", $">= {F(0.9 * one.Slots)} (0.9 M)", $"{F(speedup)} ({N(one.Saturation.PerSecond)} / {N(all.Saturation.PerSecond)} inputs/s)", speedup >= 0.9 * one.Slots));
            }
        }

        if (served.Count > 0)
        {
            var worst = served.MinBy(p => p.ServedOverLimit)!;
            var best = served.MaxBy(p => p.ServedOverLimit)!;
            goals.Add(new Goal("served over limit, every (model, k) at saturation", ">= 0.85",
                $"{F(worst.ServedOverLimit)} ({worst.Model} k={worst.K}) to {F(best.ServedOverLimit)} ({best.Model} k={best.K})", worst.ServedOverLimit >= 0.85));
        }

        foreach (var point in naive)
        {
            var p99Ok = point.Batched.P99Ms <= point.Naive.P99Ms;
            goals.Add(new Goal($"over naive serving, {point.Model} k={point.K}", ">= 4x throughput, p99 no worse",
                $"{F(point.Speedup)}x; p99 {F(point.Batched.P99Ms)} ms vs {F(point.Naive.P99Ms)} ms", point.Speedup >= 4 && p99Ok));
        }

        var ensemble = served.FirstOrDefault(p => p.Family == "ensemble" && p.K == p.Slots);
        foreach (var mimmo in served.Where(p => p.Family == "mimmo" && p.K == p.Slots))
        {
            if (ensemble is not null)
            {
                var ratio = mimmo.Saturation.PerSecond / ensemble.Saturation.PerSecond;
                goals.Add(new Goal($"{mimmo.Model} (k=M) over the deep ensemble {ensemble.Model}", $">= {F(0.8 * mimmo.Slots)} (0.8 M)",
                    $"{F(ratio)} ({N(mimmo.Saturation.PerSecond)} / {N(ensemble.Saturation.PerSecond)} inputs/s)", ratio >= 0.8 * mimmo.Slots));
            }
        }

        return goals;
    }

    public static string F(double value) => value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    /// <summary>A rate: 12345 as 12.3k.</summary>
    public static string N(double value) => value >= 1000 ? (value / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k" : value.ToString("F0", CultureInfo.InvariantCulture);
}
