using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using static MimmoServe.Bench.Suite.GoalEvaluator;

namespace MimmoServe.Bench.Suite;

/// <summary>Writes one run's REPORT.md, results.json and the accuracy-throughput SVG. Every figure is from the run.</summary>
internal static class ReportWriter
{
    public const string ReportFile = "REPORT.md";
    public const string JsonFile = "results.json";
    public const string ChartFile = "accuracy-throughput.svg";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task WriteAsync(SuiteResults results, string folder)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(results, Json)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, ChartFile), ChartWriter.Render([.. results.Served.Where(p => p.Items == results.Served.Max(q => q.Items))])).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, ReportFile), Render(results)).ConfigureAwait(false);
    }

    public static string Render(SuiteResults r)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        var throughputItems = r.Served.Select(p => p.Items).DefaultIfEmpty(1).Max();
        Line("# Benchmark report");
        Line();
        Line($"Written by `{r.Command}` (bench/MimmoServe.Bench.Suite) on {r.Started:yyyy-MM-dd HH:mm} UTC in {r.Minutes:F1} minutes; do not edit,");
        Line("run it again. Discussion of these figures: bench/README.md.");
        Line();
        Line($"- Machine: {r.Machine}; load average {r.LoadAverageAtStart} at the start, {r.LoadAverageAtEnd} at the end. ONNX Runtime {r.OnnxRuntime}, CPU execution provider.");
        Line($"- Load: h2load (nghttp2-client), a native HTTP/2 generator, {SuiteRun.Bodies} processes at once, each sending its own pre-encoded Predict");
        Line("  (real test images as raw float32, k in the request): the generator's CPU is small, so the figures are the server's. Calls that");
        Line("  failed are counted by the server (`mimmo_requests_total` by status): a gRPC error is HTTP 200 to h2load.");
        Line($"- Warm-up: each server got {F(r.ServerWarmupSeconds)} s of saturating single-item calls ({r.ServerWarmupCalls} calls on the first) before its first");
        Line($"  measurement, and every measurement {F(r.SecondsPerMeasurement)} s after its own warm-up at the same load.");
        Line("- Saturation: closed loop with enough calls in flight to fill two runs and queue the next (3 x rows per run x inputs per row / items");
        Line("  per call, 4 to 384). Half load: h2load's request rate at half the saturation's, with four times the calls allowed in flight;");
        Line("  latency from each call's send to its end.");
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
        Line("## The engine: the machine's peak and each model's limit, in process");
        Line();
        Line($"Peak: a {EnginePeak.Side} x {EnginePeak.Side} MatMul through ONNX Runtime with default session settings reaches **{r.PeakMacsPerSecond / 1e9:F1} G multiply-accumulates/s**");
        Line($"({r.PeakRunners} concurrent runner(s): one with ORT's intra-op threads, or one per core with one thread each). Each model: runs of B rows of random inputs on one session with the model's own settings (the");
        Line($"server's), the best over 1 to {EngineLimit.MaxRunners} runners calling it at once; rows per second. MACs per row are counted from the graph");
        Line("(`bench/tools/onnx_macs.py`: Conv, Gemm, MatMul); achieved = best rows/s x MACs per row.");
        Line();
        var rowCounts = r.Limits.Values.SelectMany(v => v.Best.Keys).Distinct().Order().ToList();
        Line("| model | M MAC per row | " + string.Join(" | ", rowCounts.Select(b => $"B={b}")) + " | achieved G MAC/s | of peak |");
        Line("| --- | ---: |" + string.Concat(rowCounts.Select(_ => " ---: |")) + " ---: | ---: |");
        foreach (var (model, limit) in r.Limits)
        {
            var macs = r.MacsPerRow.TryGetValue(model, out var m) ? m : (long?)null;
            var achieved = macs is { } x ? limit.Best.Values.Max() * x : (double?)null;
            Line($"| {model} | {(macs is { } y ? F(y / 1e6) : "n/a")} | " + string.Join(" | ", rowCounts.Select(b => limit.Best.TryGetValue(b, out var v) ? $"{N(v)} ({limit.BestRunners(b)})" : "")) +
                $" | {(achieved is { } a ? F(a / 1e9) : "n/a")} | {(achieved is { } c ? F(c / r.PeakMacsPerSecond) : "n/a")} |");
        }

        Line();
        Line("In parentheses: the runners that gave the best figure.");
        Line();
        Line("## Served: every bundled model at every ensemble size k and items per call");
        Line();
        Line("| model | k | items per call | inputs per row | in flight | inputs/s | calls/s | p50 ms | p99 ms | server CPU µs per input | server bytes allocated per call | h2load CPU µs per call | limit inputs/s (B = rows per run) | served / limit | half load: inputs/s | p50 ms | p99 ms | failed |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served)
        {
            var s = p.Saturation;
            Line($"| {p.Model} | {p.K} | {p.Items} | {p.InputsPerRow} | {s.Concurrency} | {N(s.PerSecond)} | {N(s.CallsPerSecond)} | {F(s.P50Ms)} | {F(s.P99Ms)} | " +
                $"{F(s.ServerCpuMicrosPerInput)} | {(s.ServerBytesPerCall is { } bytes ? N(bytes) : "-")} | {F(s.ClientCpuMicrosPerCall)} | {N(p.LimitInputsPerSecond)} (B={p.RowsPerRun}) | {F(p.ServedOverLimit)} | {N(p.HalfLoad.PerSecond)} | " +
                $"{F(p.HalfLoad.P50Ms)} | {F(p.HalfLoad.P99Ms)} | {Failures(p.Saturation, p.HalfLoad)} |");
        }

        Line();
        Line("## Superposition speedup: inputs per second at k = 1 over k = M (ideal M)");
        Line();
        Line("| model | family | M | items per call | k=1 inputs/s | k=M inputs/s | speedup | ideal |");
        Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var group in r.Served.Where(p => p.Slots > 1).GroupBy(p => (p.Model, p.Items)))
        {
            var one = group.FirstOrDefault(p => p.K == 1);
            var all = group.FirstOrDefault(p => p.K == p.Slots);
            if (one is not null && all is not null)
            {
                Line($"| {group.Key.Model} | {one.Family} | {one.Slots} | {one.Items} | {N(one.Saturation.PerSecond)} | {N(all.Saturation.PerSecond)} | {F(one.Saturation.PerSecond / all.Saturation.PerSecond)} | {one.Slots} |");
            }
        }

        Line();
        Line("## A lone call");
        Line();
        Line("One connection, one single-item call at a time; the run is one row on one runner, back to back, in process.");
        Line();
        Line("| model | k | calls | mean ms | p50 ms | p99 ms | one run ms | mean above the run ms |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Lone)
        {
            Line($"| {p.Model} | {p.K} | {p.Load.Completed} | {F(p.Load.MeanMs)} | {F(p.Load.P50Ms)} | {F(p.Load.P99Ms)} | {F(p.RunMs)} | {F(p.AboveRunMs)} |");
        }

        Line();
        Line("## Naive serving: the same server, batching off");
        Line();
        Line("One row per run, no queue delay: each request is one run with its input copied into every slot (k = M); single-item calls,");
        Line("the same calls in flight as the batching server's saturation run at that k.");
        Line();
        Line("| model | k | in flight | naive inputs/s | naive p50 ms | naive p99 ms | batching inputs/s | batching p99 ms | batching over naive |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Naive)
        {
            Line($"| {p.Model} | {p.K} | {p.Naive.Concurrency} | {N(p.Naive.PerSecond)} | {F(p.Naive.P50Ms)} | {F(p.Naive.P99Ms)} | {N(p.Batched.PerSecond)} | {F(p.Batched.P99Ms)} | {F(p.Speedup)}x |");
        }

        Line();
        Line("## The .NET client");
        Line();
        Line("`mimmo bench` (the CLI's load generator, MimmoClient underneath) against the same server: closed loop, single-item calls");
        Line("built from 784 floats; its CPU per call includes building the request and recording the answer. The process first loads the");
        Line($"server for {F(r.ServerWarmupSeconds)} s (`--warmup`, as long as each server's warm-up: a new client process needs tens of thousands of calls");
        Line("to reach its steady CPU per call); both processes' CPU is counted over the measured window only.");
        Line();
        Line("| model | k | callers | calls/s | p50 ms | p99 ms | client CPU µs per call | server CPU µs per call |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Client)
        {
            Line($"| {p.Model} | {p.K} | {p.Load.Concurrency} | {N(p.Load.PerSecond)} | {F(p.Load.P50Ms)} | {F(p.Load.P99Ms)} | {F(p.Load.ClientCpuMicrosPerCall)} | {F(p.Load.ServerCpuMicrosPerInput)} |");
        }

        if (r.FreshStart is { } fresh)
        {
            Line();
            Line("## A fresh process");
            Line();
            Line($"A new server (its own start-up warm-up only), saturating single-item load from the moment it is SERVING: {fresh.Model} k={fresh.K},");
            Line($"the first {F(fresh.Seconds)} s gave {N(fresh.First.PerSecond)} inputs/s against {N(fresh.Steady.PerSecond)} from the same process after {F(fresh.WarmupSeconds)} s more");
            Line($"of that load: **{F(fresh.Ratio)}**. The warmed-up server of the served section gave {N(fresh.Served.PerSecond)} inputs/s under the same load, minutes earlier");
            Line($"({F(fresh.First.PerSecond / fresh.Served.PerSecond)} of it; the machine's speed moves between sections, so the goal compares one process with itself).");
            if (fresh.First.ServerRuntime is { } early && fresh.Steady.ServerRuntime is { } late)
            {
                // What the new process spent besides serving, from its own runtime counters: compilation competes with
                // the runs for the two cores until the hot methods have reached their final tier.
                Line();
                Line("| window | inputs/s | server CPU s | JIT compilation s | methods compiled | GC pauses s |");
                Line("| --- | ---: | ---: | ---: | ---: | ---: |");
                Line($"| first {F(fresh.Seconds)} s | {N(fresh.First.PerSecond)} | {F(fresh.First.ServerCpuSeconds)} | {F(early.JitSeconds)} | {early.JitMethods} | {F(early.GcPauseSeconds)} |");
                Line($"| steady {F(fresh.Steady.Seconds)} s | {N(fresh.Steady.PerSecond)} | {F(fresh.Steady.ServerCpuSeconds)} | {F(late.JitSeconds)} | {late.JitMethods} | {F(late.GcPauseSeconds)} |");
            }
        }

        Line();
        Line("## Ensembles: what one input's ensemble costs");
        Line();
        Line("Every model with all its slots on one input (k = M), served at saturation, with its test-set accuracy and NLL at that k");
        Line("(the model's `mimmo.metrics`, the table of models/REPORT.md). The deep ensemble runs M single networks per input.");
        Line();
        Line($"Inputs per second with {Items(throughputItems)}.");
        Line();
        Line("| model | family | k | inputs/s | accuracy | NLL |");
        Line("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served.Where(p => p.K == p.Slots && p.Items == throughputItems).OrderByDescending(p => p.Saturation.PerSecond))
        {
            Line($"| {p.Model} | {p.Family} | {p.K} | {N(p.Saturation.PerSecond)} | {Quality(p.Quality?.Accuracy)} | {Quality(p.Quality?.Nll)} |");
        }

        Line();
        Line("## Accuracy against throughput");
        Line();
        Line($"![accuracy against served inputs per second]({ChartFile})");
        Line();
        Line($"Inputs per second with {Items(throughputItems)}.");
        Line();
        Line("| model | k | inputs/s | accuracy | NLL |");
        Line("| --- | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Served.Where(p => p.Items == throughputItems).OrderBy(p => p.Model, StringComparer.Ordinal).ThenByDescending(p => p.K))
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
