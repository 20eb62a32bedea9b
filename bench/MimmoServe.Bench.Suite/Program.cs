using System.Diagnostics;
using MimmoServe.Bench.Suite;
using MimmoServe.Grpc.Bench;
using MimmoServe.Onnx;

SuiteOptions options;
try
{
    options = SuiteOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var paths = SuitePaths.Locate();
var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var loadAverage = MachineInfo.LoadAverage();
var runtime = OnnxRuntime.Shared;
var models = Directory.GetDirectories(paths.Models)
    .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
    .Where(d => options.Models is null || options.Models.Contains(Path.GetFileName(d)))
    .Order(StringComparer.Ordinal)
    .Select(d => BundledModel.Load(runtime, d))
    .ToList();
if (models.Count == 0)
{
    Console.Error.WriteLine($"no models under {paths.Models}");
    return 1;
}

// Staged (early-exit) models have their own section: their stage 0 alone is not the model, so the limit, the served
// table and naive serving (which measure model.onnx as one graph) leave them out.
var staged = models.Where(m => m.IsStaged).ToList();
models = [.. models.Where(m => !m.IsStaged)];
var seconds = options.Seconds;
Console.WriteLine($"MimmoServe benchmark suite: {string.Join(", ", models.Concat(staged).Select(m => m.Name))}; {seconds} s per measurement");
Console.WriteLine($"machine: {MachineInfo.Describe()}; load average {loadAverage}; ONNX Runtime {runtime.Version}");

// 1. The limit: the raw engine in this process, nothing else running.
var limits = new Dictionary<string, IReadOnlyDictionary<int, double>>();
foreach (var model in models)
{
    limits[model.Name] = EngineLimit.Measure(runtime, model, TimeSpan.FromSeconds(Math.Max(0.3, seconds / 10)));
    Console.WriteLine($"limit {model.Name,-18} rows/s by rows per run: {string.Join("  ", limits[model.Name].Select(p => $"{p.Key}:{GoalEvaluator.N(p.Value)}"))}");
}

// 2. Served: the batching server with the models as bundled, every supported k, saturation then half load.
var load = new CliLoad(paths);
var served = new List<ServedPoint>();
var earlyExit = new List<EarlyExitPoint>();
await using (var server = await ServerProcess.StartAsync(paths, paths.Models).ConfigureAwait(false))
{
    foreach (var model in models)
    {
        foreach (var k in model.Contract.EnsembleSizes)
        {
            var perRow = model.InputsPerRow(k);
            var rows = model.Config.MaxRowsPerRun;
            // Enough callers to fill two runs and the next one: the server keeps two runs' buffers.
            var callers = EarlyExit.ServedCallers(model, k);
            if (options.Warmup > 0)
            {
                await load.RunAsync(server, model.Name, k, callers, null, options.Warmup).ConfigureAwait(false);
            }

            var saturation = await load.RunAsync(server, model.Name, k, callers, null, seconds).ConfigureAwait(false);
            var half = await load.RunAsync(server, model.Name, k, null, saturation.PerSecond / 2, seconds).ConfigureAwait(false);
            var limit = Interpolate(limits[model.Name], rows) * perRow;
            var point = new ServedPoint(model.Name, model.Contract.Family, model.Contract.Slots, k, perRow, rows, saturation, half, limit, model.Quality.GetValueOrDefault(k));
            served.Add(point);
            Console.WriteLine($"served {model.Name,-18} k={k} callers {callers,3}: {GoalEvaluator.N(saturation.PerSecond)}/s p99 {GoalEvaluator.F(saturation.P99Ms)} ms " +
                $"(limit {GoalEvaluator.N(limit)}/s, {GoalEvaluator.F(point.ServedOverLimit)}); half load {GoalEvaluator.N(half.PerSecond)}/s p50 {GoalEvaluator.F(half.P50Ms)} ms p99 {GoalEvaluator.F(half.P99Ms)} ms; failed {saturation.Failed + half.Failed}");
        }
    }

    // 2b. Early exit: each staged model, auto against full, on the same server.
    foreach (var model in staged)
    {
        earlyExit.AddRange(await EarlyExit.RunAsync(load, server, model, paths, options).ConfigureAwait(false));
    }
}

// 3. Naive serving: the same server, one request per run with its input in every slot (k = M), the same callers.
var naive = new List<NaivePoint>();
if (models.Count > 0)
{
    using (var naiveModels = new NaiveModels(models))
    await using (var server = await ServerProcess.StartAsync(paths, naiveModels.Folder).ConfigureAwait(false))
    {
        foreach (var model in models)
        {
            var k = model.Contract.EnsembleSizes.Max();
            var batched = served.First(p => p.Model == model.Name && p.K == k).Saturation;
            if (options.Warmup > 0)
            {
                await load.RunAsync(server, model.Name, k, batched.Concurrency, null, options.Warmup).ConfigureAwait(false);
            }

            var result = await load.RunAsync(server, model.Name, k, batched.Concurrency, null, seconds).ConfigureAwait(false);
            naive.Add(new NaivePoint(model.Name, k, result, batched));
            Console.WriteLine($"naive  {model.Name,-18} k={k} callers {batched.Concurrency,3}: {GoalEvaluator.N(result.PerSecond)}/s p99 {GoalEvaluator.F(result.P99Ms)} ms; batching {GoalEvaluator.F(batched.PerSecond / result.PerSecond)}x");
        }
    }
}

var goals = GoalEvaluator.Evaluate(served, naive);
var command = "dotnet run -c Release --project bench/MimmoServe.Bench.Suite" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
var results = new SuiteResults(started, clock.Elapsed.TotalMinutes, command, MachineInfo.Describe(), loadAverage, runtime.Version, seconds, limits, served, naive, goals, earlyExit, EarlyExitComparison.Of(earlyExit));
var outFolder = options.OutFolder ?? paths.BenchFolder;
Directory.CreateDirectory(outFolder);
await ReportWriter.WriteAsync(results, outFolder).ConfigureAwait(false);
foreach (var goal in goals)
{
    Console.WriteLine($"{(goal.Met ? "met   " : "missed")} {goal.Name}: {goal.Measured} (goal {goal.Target})");
}

Console.WriteLine($"wrote {Path.Combine(outFolder, ReportWriter.ReportFile)}, {ReportWriter.JsonFile}, {ReportWriter.ChartFile} in {clock.Elapsed.TotalMinutes:F1} min");
return 0;

// Rows per second at a rows-per-run count, interpolated linearly between the measured counts when it is not one.
static double Interpolate(IReadOnlyDictionary<int, double> rowsPerSecond, int rows)
{
    if (rowsPerSecond.TryGetValue(rows, out var exact))
    {
        return exact;
    }

    var below = rowsPerSecond.Keys.Where(r => r < rows).DefaultIfEmpty(rowsPerSecond.Keys.Min()).Max();
    var above = rowsPerSecond.Keys.Where(r => r > rows).DefaultIfEmpty(rowsPerSecond.Keys.Max()).Min();
    return below == above ? rowsPerSecond[below] : rowsPerSecond[below] + ((rowsPerSecond[above] - rowsPerSecond[below]) * (rows - below) / (above - below));
}
