using System.Globalization;
using System.Text;
using System.Text.Json;
using static MimmoServe.Bench.Suite.GoalEvaluator;

namespace MimmoServe.Bench.Suite;

/// <summary>Writes one run's REPORT.md, results.json and the accuracy-throughput SVG. Every figure is from the run.</summary>
internal static class ReportWriter
{
    public const string ReportFile = "REPORT.md";
    public const string JsonFile = "results.json";
    public const string ChartFile = "accuracy-throughput.svg";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task WriteAsync(SuiteResults results, string folder)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(results, Json)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, ChartFile), ChartWriter.Render(results.Served)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, ReportFile), Render(results)).ConfigureAwait(false);
    }

    public static string Render(SuiteResults r)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line("# Benchmark report");
        Line();
        Line($"Written by `{r.Command}` (bench/MimmoServe.Bench.Suite) on {r.Started:yyyy-MM-dd HH:mm} UTC in {r.Minutes:F1} minutes; do not edit,");
        Line("run it again. Discussion of these figures: bench/README.md.");
        Line();
        Line($"- Machine: {r.Machine}; load average {r.LoadAverageAtStart} at the start. ONNX Runtime {r.OnnxRuntime}, CPU execution provider.");
        Line($"- Each load measurement: {F(r.SecondsPerMeasurement)} s after a warm-up, by `mimmo bench` (the CLI's load generator, a separate");
        Line("  process on the same cores as the server: its CPU cost is part of every served figure; the limit has none).");
        Line("- Saturation: closed loop with enough callers to fill two runs and queue the next (3 x rows per run x inputs per row,");
        Line("  at most 384). Half load: open loop, Poisson arrivals at half the saturation rate; latency counted from the scheduled arrival.");
        Line("- Inputs per row: an input with k slots takes k of the row's M slots, so a row carries M / k inputs.");
        Line();
        Line("## Goals");
        Line();
        Line("| goal | target | measured | met |");
        Line("| --- | --- | --- | --- |");
        foreach (var goal in r.Goals)
        {
            Line($"| {goal.Name} | {goal.Target} | {goal.Measured} | {(goal.Met ? "yes" : "**no**")} |");
        }

        Line();
        Line("## The limit: the raw engine in process");
        Line();
        Line("Back-to-back runs of B rows of random inputs on one ONNX Runtime session with the model's own settings: rows per second.");
        Line("Inputs per second at k are rows per second x M / k.");
        Line();
        var rowCounts = r.LimitRowsPerSecond.Values.SelectMany(v => v.Keys).Distinct().Order().ToList();
        Line("| model | " + string.Join(" | ", rowCounts.Select(b => $"B={b}")) + " |");
        Line("| --- |" + string.Concat(rowCounts.Select(_ => " ---: |")));
        foreach (var (model, byRows) in r.LimitRowsPerSecond)
        {
            Line($"| {model} | " + string.Join(" | ", rowCounts.Select(b => byRows.TryGetValue(b, out var v) ? N(v) : "")) + " |");
        }

        Line();
        Line("## Served: every bundled model at every ensemble size k");
        Line();
        Line("| model | k | inputs per row | callers | inputs/s | p50 ms | p99 ms | server CPU µs per input | load generator CPU µs per input | limit inputs/s (B = rows per run) | served / limit | half load: inputs/s | p50 ms | p99 ms | failed |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served)
        {
            Line($"| {p.Model} | {p.K} | {p.InputsPerRow} | {p.Saturation.Concurrency} | {N(p.Saturation.PerSecond)} | {F(p.Saturation.P50Ms)} | {F(p.Saturation.P99Ms)} | " +
                $"{F(p.ServerCpuMicrosPerInput)} | {F(p.ClientCpuMicrosPerInput)} | {N(p.LimitInputsPerSecond)} (B={p.RowsPerRun}) | {F(p.ServedOverLimit)} | {N(p.HalfLoad.PerSecond)} | {F(p.HalfLoad.P50Ms)} | {F(p.HalfLoad.P99Ms)} | " +
                $"{Failures(p.Saturation, p.HalfLoad)} |");
        }

        Line();
        Line("## Superposition speedup: inputs per second at k = 1 over k = M (ideal M)");
        Line();
        Line("| model | family | M | k=1 inputs/s | k=M inputs/s | speedup | ideal |");
        Line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var group in r.Served.Where(p => p.Slots > 1).GroupBy(p => p.Model))
        {
            var one = group.FirstOrDefault(p => p.K == 1);
            var all = group.FirstOrDefault(p => p.K == p.Slots);
            if (one is not null && all is not null)
            {
                Line($"| {group.Key} | {one.Family} | {one.Slots} | {N(one.Saturation.PerSecond)} | {N(all.Saturation.PerSecond)} | {F(one.Saturation.PerSecond / all.Saturation.PerSecond)} | {one.Slots} |");
            }
        }

        Line();
        Line("## Naive serving: the same server, batching off");
        Line();
        Line("One row per run, no queue delay: each request is one run with its input copied into every slot (k = M); the same");
        Line("callers as the batching server's saturation run at that k.");
        Line();
        Line("| model | k | callers | naive inputs/s | naive p50 ms | naive p99 ms | batching inputs/s | batching p99 ms | batching over naive |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Naive)
        {
            Line($"| {p.Model} | {p.K} | {p.Naive.Concurrency} | {N(p.Naive.PerSecond)} | {F(p.Naive.P50Ms)} | {F(p.Naive.P99Ms)} | {N(p.Batched.PerSecond)} | {F(p.Batched.P99Ms)} | {F(p.Speedup)}x |");
        }

        Line();
        Line("## Ensembles: what one input's ensemble costs");
        Line();
        Line("Every model with all its slots on one input (k = M), served at saturation, with its test-set accuracy and NLL at that k");
        Line("(the model's `mimmo.metrics`, the table of models/REPORT.md). The deep ensemble runs M single networks per input.");
        Line();
        Line("| model | family | k | inputs/s | accuracy | NLL |");
        Line("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served.Where(p => p.K == p.Slots).OrderByDescending(p => p.Saturation.PerSecond))
        {
            Line($"| {p.Model} | {p.Family} | {p.K} | {N(p.Saturation.PerSecond)} | {Quality(p.Quality?.Accuracy)} | {Quality(p.Quality?.Nll)} |");
        }

        Line();
        Line("## Accuracy against throughput");
        Line();
        Line($"![accuracy against served inputs per second]({ChartFile})");
        Line();
        Line("| model | k | inputs/s | accuracy | NLL |");
        Line("| --- | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served.OrderBy(p => p.Model, StringComparer.Ordinal).ThenByDescending(p => p.K))
        {
            Line($"| {p.Model} | {p.K} | {N(p.Saturation.PerSecond)} | {Quality(p.Quality?.Accuracy)} | {Quality(p.Quality?.Nll)} |");
        }

        if (r.EarlyExit.Count > 0)
        {
            Line();
            EarlyExitSection(r, Line);
        }

        return md.ToString();
    }

    private static void EarlyExitSection(SuiteResults r, Action<string> line)
    {
        var images = r.EarlyExit[0];
        line("## Early exit (JEI-DNN)");
        line("");
        line($"Each staged model on the same server as above, under `x-mimmo-exit: full` (every stage runs) and `auto` (the learned gates");
        line($"stop each input at its own exit), at its default k and at k = 1, with the same callers (closed loop at saturation, the");
        line($"served section's formula) and the same client settings, over {images.ItemCount} labelled test images sent in turn (`{images.Images}`,");
        line("`mimmo bench --images`). Each policy is measured in two halves of the measurement time, in the order full, auto, auto, full,");
        line("so that a drift of the machine's other load weighs on both alike; inputs/s is over both halves, p50 and p99 the higher half's.");
        line("Accuracy is of the served answers against the labels; compute share is the share of the full forward pass the server ran");
        line("per input (the stage costs up to its exit); exits: answers per exit, 0 = shallowest.");
        line("");
        line("| model | k | policy | callers | inputs/s | p50 ms | p99 ms | served accuracy | mean compute share | answers per exit | server CPU µs per input | failed |");
        line("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        foreach (var p in r.EarlyExit)
        {
            var s = p.Saturation;
            line($"| {p.Model} | {p.K} | {p.Policy} | {s.Concurrency} | {N(s.PerSecond)} | {F(s.P50Ms)} | {F(s.P99Ms)} | {Quality(s.Accuracy)} | {Share(s.MeanComputeShare)} | " +
                $"{EarlyExit.Histogram(s)} | {F(s.ServerCpuSeconds / Math.Max(1, s.Completed) * 1e6)} | {Failures(s)} |");
        }

        line("");
        line("| model | k | auto / full inputs/s | auto inputs/s | full inputs/s | accuracy auto - full | compute share auto / full |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in r.EarlyExitComparisons)
        {
            var difference = c.AccuracyDifference is { } d ? d.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : "n/a";
            line($"| {c.Model} | {c.K} | {F(c.ThroughputRatio)}x | {N(c.Auto.Saturation.PerSecond)} | {N(c.Full.Saturation.PerSecond)} | {difference} | " +
                $"{Share(c.Auto.Saturation.MeanComputeShare)} / {Share(c.Full.Saturation.MeanComputeShare)} |");
        }
    }

    private static string Share(double? value) => value is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static string Failures(params LoadResult[] results)
    {
        var errors = results.SelectMany(x => x.Errors).GroupBy(e => e.Key).Select(g => $"{g.Key} {g.Sum(e => e.Value)}").ToList();
        return errors.Count == 0 ? "0" : string.Join(", ", errors);
    }

    private static string Quality(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
}
