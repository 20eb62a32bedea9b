using System.Diagnostics;
using MimmoServe.Grpc.Bench;
using MimmoServe.Onnx;
using static MimmoServe.Bench.Suite.GoalEvaluator;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// One run of the suite, section by section: the machine's peak and each model's engine limit in this process; every
/// model at every k and items per call under the native load generator; a lone call; naive serving; the .NET client;
/// a fresh process's first seconds; early exit. Then the goals, the report, results.json and the chart.
/// </summary>
internal static class SuiteRun
{
    /// <summary>Pre-encoded bodies per measurement: each its own h2load process and its own images.</summary>
    public const int Bodies = 4;

    public static async Task<int> RunAsync(SuiteOptions options, string[] args)
    {
        var paths = SuitePaths.Locate();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadAverage = MachineInfo.LoadAverage();
        var runtime = OnnxRuntime.Shared;
        var all = Directory.GetDirectories(paths.Models)
            .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
            .Where(d => options.Models is null || options.Models.Contains(Path.GetFileName(d)))
            .Order(StringComparer.Ordinal)
            .Select(d => BundledModel.Load(runtime, d))
            // Its goals are about classifiers (accuracy at each k, images): a regression model is not benchmarked here.
            .Where(m => m.Contract.Regression is null)
            .ToList();
        if (all.Count == 0)
        {
            Console.Error.WriteLine($"no models under {paths.Models}");
            return 1;
        }

        // Staged (early-exit) models have their own section: their stage 0 alone is not the model, so the limit, the
        // served table and naive serving (which measure model.onnx as one graph) leave them out.
        var staged = all.Where(m => m.IsStaged).ToList();
        var models = all.Where(m => !m.IsStaged).ToList();
        var seconds = options.Seconds;
        Console.WriteLine($"MimmoServe benchmark suite: {string.Join(", ", all.Select(m => m.Name))}; {seconds} s per measurement; items per call {string.Join(", ", options.Items)}");
        Console.WriteLine($"machine: {MachineInfo.Describe()}; load average {loadAverage}; ONNX Runtime {runtime.Version}");

        // 1. The machine's peak and each model's limit: the raw engine in this process, nothing else running.
        var perPoint = TimeSpan.FromSeconds(Math.Max(0.3, seconds / 10));
        var (peak, peakRunners) = EnginePeak.Measure(runtime, TimeSpan.FromSeconds(Math.Max(1, seconds / 4)));
        Console.WriteLine($"peak   MatMul {EnginePeak.Side}^3: {peak / 1e9:F1} G MAC/s ({peakRunners} runner(s))");
        var macs = ModelMacs.Count(paths, models);
        var limits = new Dictionary<string, EngineLimitResult>();
        foreach (var model in models)
        {
            var limit = limits[model.Name] = EngineLimit.Measure(runtime, model, perPoint);
            var achieved = macs.TryGetValue(model.Name, out var m) ? $"; {limit.Best.Values.Max() * m / 1e9:F1} G MAC/s at best ({m / 1e6:F1} M MAC per row)" : string.Empty;
            Console.WriteLine($"limit  {model.Name,-18} rows/s by rows per run: {string.Join("  ", limit.Best.Select(p => $"{p.Key}:{N(p.Value)}"))}{achieved}");
        }

        using var http = new HttpClient();
        var native = new NativeLoad(http);
        using var bodies = new RequestBodies(paths);
        var served = new List<ServedPoint>();
        var lone = new List<LonePoint>();
        var client = new List<ClientPoint>();
        var earlyExit = new List<EarlyExitPoint>();
        var warmupCalls = 0L;
        var cli = new CliLoad(paths);

        // 2. Served: the batching server with the models as bundled, every k and items per call, saturation then half load.
        await using (var server = await ServerProcess.StartAsync(paths, paths.Models).ConfigureAwait(false))
        {
            warmupCalls = await WarmUpServerAsync(native, bodies, server, models, options.ServerWarmup).ConfigureAwait(false);
            foreach (var model in models)
            {
                foreach (var items in options.Items)
                {
                    foreach (var k in model.Contract.EnsembleSizes)
                    {
                        served.Add(await ServeAsync(native, bodies, server, model, k, items, limits[model.Name], options).ConfigureAwait(false));
                    }
                }
            }

            // 2b. A lone call: one call at a time, the largest k, against one run of one row.
            foreach (var model in models.Where(m => m.Contract.Family == "mimmo"))
            {
                var k = model.Contract.EnsembleSizes.Max();
                var body = bodies.Write(model, k, 1, 1);
                var load = await native.RunAsync(server, model.Name, body, 1, 1, seconds).ConfigureAwait(false);
                var runMs = 1000 / limits[model.Name].ByRunners[1][1];
                lone.Add(new LonePoint(model.Name, k, load, runMs));
                Console.WriteLine($"lone   {model.Name,-18} k={k}: mean {F(load.MeanMs)} ms p50 {F(load.P50Ms)} ms p99 {F(load.P99Ms)} ms; one run of one row {F(runMs)} ms");
            }

            // 2c. The .NET client (mimmo bench), single-item calls at k = 1 of the first MIMO model: its CPU per call.
            if (models.FirstOrDefault(m => m.Contract.Slots > 1 && m.Contract.Family != "ensemble") is { } probe)
            {
                var callers = EarlyExit.ServedCallers(probe, 1);
                // A new client process reaches its steady CPU per call only after tens of thousands of calls, as a new
                // server does (about 25k here: 67 µs per call after 2 s of load, 35 after 5 s, 34 after 10 s).
                var load = await cli.RunAsync(server, probe.Name, 1, callers, null, seconds, warmup: options.ServerWarmup).ConfigureAwait(false);
                client.Add(new ClientPoint(probe.Name, 1, load));
                Console.WriteLine($"client {probe.Name,-18} k=1 callers {callers}: {N(load.PerSecond)} calls/s, client CPU {F(load.ClientCpuMicrosPerCall)} µs per call, server {F(load.ServerCpuMicrosPerInput)} µs");
            }

            // 2d. Early exit: each staged model, auto against full, on the same server (mimmo bench over labelled images).
            foreach (var model in staged)
            {
                earlyExit.AddRange(await EarlyExit.RunAsync(cli, server, model, paths, options).ConfigureAwait(false));
            }
        }

        // 3. Naive serving: the same server, one request per run with its input in every slot (k = M), the same load.
        var naive = new List<NaivePoint>();
        using (var naiveModels = new NaiveModels(models))
        await using (var server = await ServerProcess.StartAsync(paths, naiveModels.Folder).ConfigureAwait(false))
        {
            await WarmUpServerAsync(native, bodies, server, models, options.ServerWarmup).ConfigureAwait(false);
            foreach (var model in models)
            {
                var k = model.Contract.EnsembleSizes.Max();
                var batched = served.First(p => p.Model == model.Name && p.K == k && p.Items == 1).Saturation;
                var body = bodies.Write(model, k, 1, Bodies);
                if (options.Warmup > 0)
                {
                    await native.RunAsync(server, model.Name, body, 1, batched.Concurrency ?? 1, options.Warmup).ConfigureAwait(false);
                }

                var result = await native.RunAsync(server, model.Name, body, 1, batched.Concurrency ?? 1, seconds).ConfigureAwait(false);
                naive.Add(new NaivePoint(model.Name, k, result, batched));
                Console.WriteLine($"naive  {model.Name,-18} k={k} in flight {batched.Concurrency,3}: {N(result.PerSecond)}/s p99 {F(result.P99Ms)} ms; batching {F(batched.PerSecond / result.PerSecond)}x");
            }
        }

        // 4. A fresh process: saturating load from its first second against its own steady state after a warm-up.
        var fresh = await FreshStartAsync(native, bodies, paths, models, served, options).ConfigureAwait(false);

        var goals = GoalEvaluator.Evaluate(served, naive, lone, client, fresh, macs);
        var command = "dotnet run -c Release --project bench/MimmoServe.Bench.Suite" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
        var results = new SuiteResults(started, clock.Elapsed.TotalMinutes, command, MachineInfo.Describe(), loadAverage, MachineInfo.LoadAverage(), runtime.Version,
            seconds, options.ServerWarmup, warmupCalls, peak, peakRunners, macs, limits, served, naive, lone, client, fresh, goals, earlyExit, EarlyExitComparison.Of(earlyExit));
        var outFolder = options.OutFolder ?? paths.BenchFolder;
        Directory.CreateDirectory(outFolder);
        await ReportWriter.WriteAsync(results, outFolder).ConfigureAwait(false);
        foreach (var goal in goals)
        {
            Console.WriteLine($"{(goal.Met ? "met   " : "missed")} {goal.Name}: {goal.Measured} (goal {goal.Target})");
        }

        Console.WriteLine($"wrote {Path.Combine(outFolder, ReportWriter.ReportFile)}, {ReportWriter.JsonFile}, {ReportWriter.ChartFile} in {clock.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

    /// <summary>Calls in flight that fill two runs and the next one (the server keeps two runs' buffers), at least 4, at most 384.</summary>
    public static int InFlight(BundledModel model, int k, int items) =>
        Math.Clamp((int)Math.Ceiling(3.0 * model.Config.MaxRowsPerRun * model.InputsPerRow(k) / items), 4, 384);

    private static async Task<ServedPoint> ServeAsync(NativeLoad native, RequestBodies bodies, ServerProcess server, BundledModel model, int k, int items, EngineLimitResult limit, SuiteOptions options)
    {
        var body = bodies.Write(model, k, items, Bodies);
        var inFlight = InFlight(model, k, items);
        if (options.Warmup > 0)
        {
            await native.RunAsync(server, model.Name, body, items, inFlight, options.Warmup).ConfigureAwait(false);
        }

        var saturation = await native.RunAsync(server, model.Name, body, items, inFlight, options.Seconds).ConfigureAwait(false);
        // Half load: the rate of half the saturation, with room for four times the saturation's calls in flight.
        var half = await native.RunAsync(server, model.Name, body, items, Math.Min(4 * inFlight, 4 * NativeLoad.MaxStreamsPerConnection), options.Seconds,
            saturation.PerSecond / 2).ConfigureAwait(false);
        var rows = model.Config.MaxRowsPerRun;
        var point = new ServedPoint(model.Name, model.Contract.Family, model.Contract.Slots, k, model.InputsPerRow(k), rows, items, saturation, half,
            Interpolate(limit.Best, rows) * model.InputsPerRow(k), model.Quality.GetValueOrDefault(k));
        Console.WriteLine($"served {model.Name,-18} k={k} items {items,2} in flight {inFlight,3}: {N(saturation.PerSecond)} inputs/s p99 {F(saturation.P99Ms)} ms " +
            $"server {F(saturation.ServerCpuMicrosPerInput)} µs/input (limit {N(point.LimitInputsPerSecond)}/s, {F(point.ServedOverLimit)}); " +
            $"half load {N(half.PerSecond)}/s p50 {F(half.P50Ms)} ms p99 {F(half.P99Ms)} ms; failed {saturation.Failed + half.Failed}");
        return point;
    }

    /// <summary>
    /// A new .NET server reaches its steady rate only after many calls (tiered compilation): saturating single-item
    /// calls at k = 1 to every model in turn for <paramref name="seconds"/> in all, before anything is measured.
    /// </summary>
    /// <returns>The calls sent.</returns>
    private static async Task<long> WarmUpServerAsync(NativeLoad native, RequestBodies bodies, ServerProcess server, IReadOnlyList<BundledModel> models, double seconds)
    {
        var calls = 0L;
        foreach (var model in models)
        {
            var k = model.Contract.EnsembleSizes.Min();
            var load = await native.RunAsync(server, model.Name, bodies.Write(model, k, 1, Bodies), 1, InFlight(model, k, 1), seconds / models.Count).ConfigureAwait(false);
            calls += load.Completed;
        }

        Console.WriteLine($"warmup {calls} calls in {seconds:F0} s");
        return calls;
    }

    /// <summary>
    /// A new server under saturating single-item load at k = 1 from the moment it is SERVING: its first 2 s, then (after
    /// <see cref="SuiteOptions.ServerWarmup"/> s more of the same load) its steady rate, on the same process minutes
    /// apart, so that the ratio does not depend on how the machine's speed drifted since the served section. The warmed-up
    /// server's rate from that section is kept beside it.
    /// </summary>
    private static async Task<FreshStartPoint?> FreshStartAsync(NativeLoad native, RequestBodies bodies, SuitePaths paths, IReadOnlyList<BundledModel> models, IReadOnlyList<ServedPoint> served, SuiteOptions options)
    {
        if (models.FirstOrDefault(m => m.Contract.Family == "mimmo") is not { } model)
        {
            return null;
        }

        const double Seconds = 2;
        var body = bodies.Write(model, 1, 1, Bodies);
        var inFlight = InFlight(model, 1, 1);
        await using var server = await ServerProcess.StartAsync(paths, paths.Models).ConfigureAwait(false);
        var first = await native.RunAsync(server, model.Name, body, 1, inFlight, Seconds).ConfigureAwait(false);
        if (options.ServerWarmup > 0)
        {
            await native.RunAsync(server, model.Name, body, 1, inFlight, options.ServerWarmup).ConfigureAwait(false);
        }

        var steady = await native.RunAsync(server, model.Name, body, 1, inFlight, options.Seconds).ConfigureAwait(false);
        var earlier = served.First(p => p.Model == model.Name && p.K == 1 && p.Items == 1).Saturation;
        var point = new FreshStartPoint(model.Name, 1, Seconds, first, options.ServerWarmup, steady, earlier);
        Console.WriteLine($"fresh  {model.Name,-18} k=1: first {Seconds:F0} s {N(first.PerSecond)} inputs/s against {N(steady.PerSecond)}/s after {options.ServerWarmup:F0} s more " +
            $"(served section {N(earlier.PerSecond)}/s): {F(point.Ratio)}; JIT compilation {F(first.ServerRuntime?.JitSeconds ?? double.NaN)} s " +
            $"in the first {Seconds:F0} s, {F(steady.ServerRuntime?.JitSeconds ?? double.NaN)} s in the steady {options.Seconds:F0} s");
        return point;
    }

    /// <summary>Rows per second at a rows-per-run count, interpolated linearly between the measured counts when it is not one.</summary>
    private static double Interpolate(IReadOnlyDictionary<int, double> rowsPerSecond, int rows)
    {
        if (rowsPerSecond.TryGetValue(rows, out var exact))
        {
            return exact;
        }

        var below = rowsPerSecond.Keys.Where(r => r < rows).DefaultIfEmpty(rowsPerSecond.Keys.Min()).Max();
        var above = rowsPerSecond.Keys.Where(r => r > rows).DefaultIfEmpty(rowsPerSecond.Keys.Max()).Min();
        return below == above ? rowsPerSecond[below] : rowsPerSecond[below] + ((rowsPerSecond[above] - rowsPerSecond[below]) * (rows - below) / (above - below));
    }
}
