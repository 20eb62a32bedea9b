using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>The goals of issue 15 ("The cost of a call") against one run's figures.</summary>
internal static class GoalEvaluator
{
    /// <summary>Items per call of the batched goals.</summary>
    public const int BatchedItems = 16;

    public static IReadOnlyList<Goal> Evaluate(
        IReadOnlyList<ServedPoint> served,
        IReadOnlyList<NaivePoint> naive,
        IReadOnlyList<LonePoint> lone,
        IReadOnlyList<ClientPoint> client,
        FreshStartPoint? fresh,
        IReadOnlyDictionary<string, long> macs)
    {
        var goals = new List<Goal>();
        foreach (var (items, share) in new[] { (BatchedItems, 0.9), (1, 0.8) })
        {
            foreach (var group in served.Where(p => p.Items == items && p.Family is "mimmo" or "mimonet").GroupBy(p => p.Model))
            {
                var one = group.FirstOrDefault(p => p.K == 1);
                var all = group.FirstOrDefault(p => p.K == p.Slots);
                if (one is not null && all is not null)
                {
                    var speedup = one.Saturation.PerSecond / all.Saturation.PerSecond;
                    goals.Add(new Goal($"superposition speedup, {group.Key}, {Items(items)}", $">= {F(share * one.Slots)} ({F(share)} M)",
                        $"{F(speedup)} ({N(one.Saturation.PerSecond)} / {N(all.Saturation.PerSecond)} inputs/s)", speedup >= share * one.Slots));
                }
            }
        }

        foreach (var (items, target) in new[] { (BatchedItems, 0.9), (1, 0.75) })
        {
            var points = served.Where(p => p.Items == items).ToList();
            if (points.Count > 0)
            {
                var worst = points.MinBy(p => p.ServedOverLimit)!;
                var best = points.MaxBy(p => p.ServedOverLimit)!;
                goals.Add(new Goal($"served over the engine limit, every (model, k), {Items(items)}", $">= {F(target)}",
                    $"{F(worst.ServedOverLimit)} ({worst.Model} k={worst.K}) to {F(best.ServedOverLimit)} ({best.Model} k={best.K})", worst.ServedOverLimit >= target));
            }
        }

        var throughputItems = served.Select(p => p.Items).DefaultIfEmpty(1).Max();
        var ensemble = served.FirstOrDefault(p => p.Family == "ensemble" && p.K == p.Slots && p.Items == throughputItems);
        foreach (var mimmo in served.Where(p => p.Family == "mimmo" && p.K == p.Slots && p.Items == throughputItems))
        {
            if (ensemble is not null && macs.TryGetValue(mimmo.Model, out var mimmoMacs) && macs.TryGetValue(ensemble.Model, out var ensembleMacs))
            {
                // k = M: one input per row for both, so MACs per row are MACs per input.
                var macRatio = ensembleMacs / (double)mimmoMacs;
                var ratio = mimmo.Saturation.PerSecond / ensemble.Saturation.PerSecond;
                goals.Add(new Goal($"{mimmo.Model} (k=M) over the deep ensemble {ensemble.Model}, {Items(throughputItems)}", $">= {F(0.9 * macRatio)} (0.9 x MAC ratio {F(macRatio)})",
                    $"{F(ratio)} ({N(mimmo.Saturation.PerSecond)} / {N(ensemble.Saturation.PerSecond)} inputs/s)", ratio >= 0.9 * macRatio));
            }
        }

        foreach (var point in naive)
        {
            var p99Ok = point.Batched.P99Ms <= point.Naive.P99Ms;
            goals.Add(new Goal($"batching over naive serving, {point.Model} k={point.K}", ">= 1.0x throughput, p99 no worse",
                $"{F(point.Speedup)}x; p99 {F(point.Batched.P99Ms)} ms vs {F(point.Naive.P99Ms)} ms", point.Speedup >= 1 && p99Ok));
        }

        foreach (var point in lone)
        {
            goals.Add(new Goal($"latency of a lone call, {point.Model} k={point.K}", "<= 1 ms above the run itself",
                $"{F(point.AboveRunMs)} ms above ({F(point.Load.MeanMs)} ms mean, run {F(point.RunMs)} ms)", point.AboveRunMs <= 1));
        }

        var halves = served.Where(p => p.Items == 1).ToList();
        if (halves.Count > 0)
        {
            var p50 = halves.MaxBy(p => p.HalfLoad.P50Ms)!;
            var p99 = halves.MaxBy(p => p.HalfLoad.P99Ms)!;
            goals.Add(new Goal("latency at half load, single-item calls, worst (model, k)", "p50 <= 2 ms, p99 <= 10 ms",
                $"p50 {F(p50.HalfLoad.P50Ms)} ms ({p50.Model} k={p50.K}), p99 {F(p99.HalfLoad.P99Ms)} ms ({p99.Model} k={p99.K})", p50.HalfLoad.P50Ms <= 2 && p99.HalfLoad.P99Ms <= 10));
        }

        foreach (var point in client)
        {
            goals.Add(new Goal($".NET client CPU per unary single-item Predict (mimmo bench, {point.Model} k={point.K})", "<= 40 µs",
                $"{F(point.Load.ClientCpuMicrosPerCall)} µs", point.Load.ClientCpuMicrosPerCall <= 40));
        }

        if (fresh is not null)
        {
            goals.Add(new Goal($"a fresh process, first {F(fresh.Seconds)} s of saturating load over steady state ({fresh.Model} k={fresh.K})", ">= 0.9",
                $"{F(fresh.Ratio)} ({N(fresh.First.PerSecond)} / {N(fresh.Steady.PerSecond)} inputs/s, one process)", fresh.Ratio >= 0.9));
        }

        return goals;
    }

    public static string Items(int items) => items == 1 ? "single-item calls" : $"{items} items per call";

    public static string F(double value) => value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    /// <summary>A rate: 12345 as 12.3k.</summary>
    public static string N(double value) => value >= 1000 ? (value / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k" : value.ToString("F0", CultureInfo.InvariantCulture);
}
