using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MimmoServe.Onnx;
using MimmoServe.Protocol;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Bench;

/// <summary>
/// The serving core under load, in process: for every model of a folder (default: the test fixture mimo.onnx,
/// whose graph costs almost nothing, so the figures are the core's own cost) and each mode, C callers keep one
/// request each in flight until N requests are answered. Prints requests per second, what a run held on average,
/// latency percentiles and managed bytes allocated per request, and the machine.
/// </summary>
internal static class ServingBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var directory = args.Length > 0 && args[0].Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "fixture");
        var callers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        var requests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50_000;
        // "metrics": record every instrument, as the host does, into a listener that sums them (the exporter's cost is apart).
        using var metrics = args.Length > 3 && args[3] == "metrics" ? new ServingMetrics() : null;
        using var listener = metrics is null ? null : MetricsSink.Listen(metrics);
        var runtime = OnnxRuntime.Shared;
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = directory, Metrics = metrics }, runtime).ConfigureAwait(false);
        foreach (var failure in repository.Failures)
        {
            Console.Error.WriteLine($"not loaded: {failure.Name}: {failure.Reason}");
        }

        Console.WriteLine($"MimmoServe.Serving in process: {callers} callers, {requests} requests per mode, default config.json values unless the model has its own; metrics {(metrics is null ? "off" : "on")}");
        Console.WriteLine($"machine   : {Environment.ProcessorCount} logical cores, {CpuModel()}");
        Console.WriteLine($"os, .NET  : {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"ORT       : {runtime.Version}");
        Console.WriteLine();
        Console.WriteLine($"{"model",-16} {"mode",-11} {"req/s",9} {"req/run",8} {"rows/run",9} {"members",8} {"p50 µs",8} {"p99 µs",8} {"B/req",7}");
        foreach (var model in repository.Models)
        {
            foreach (var mode in new[] { ModeHeader.Throughput, ModeHeader.Balanced, ModeHeader.Accuracy })
            {
                await MeasureAsync(model, mode, callers, Math.Min(2_000, requests), metrics).ConfigureAwait(false);
                var result = await MeasureAsync(model, mode, callers, requests, metrics).ConfigureAwait(false);
                Console.WriteLine(result);
            }
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(ServedModel model, string mode, int callers, int requests, ServingMetrics? metrics)
    {
        var item = new float[model.Contract.ItemLength];
        for (var i = 0; i < item.Length; i++)
        {
            item[i] = (i % 17) / 17f;
        }

        var shape = model.Contract.ItemShape.ToArray();
        var latencies = new long[requests];
        long batchRequests = 0, batchRows = 0, members = 0;
        var next = -1;
        var runsBefore = model.Runs;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();

        async Task Caller()
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= requests)
                {
                    return;
                }

                var start = Stopwatch.GetTimestamp();
                Prediction prediction = await model.PredictAsync(new PredictInput { Shape = shape, Data = item, Mode = mode }).ConfigureAwait(false);
                latencies[n] = Stopwatch.GetTimestamp() - start;
                metrics?.RecordRequest(model.Name, mode, "OK", Stopwatch.GetElapsedTime(start));
                metrics?.RecordPrediction(model.Name, mode, prediction.Uncertainty);
                Interlocked.Add(ref batchRequests, prediction.Timing.BatchRequests);
                // Each of a run's requests adds rows / requests: the sum over requests is the sum of rows over runs.
                Interlocked.Add(ref batchRows, prediction.Timing.BatchRows * 1_000_000L / prediction.Timing.BatchRequests);
                Interlocked.Add(ref members, prediction.Members);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(Caller))).ConfigureAwait(false);
        clock.Stop();
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        var runs = model.Runs - runsBefore;
        Array.Sort(latencies);
        double Micro(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        return string.Create(CultureInfo.InvariantCulture,
            $"{model.Name,-16} {mode,-11} {requests / clock.Elapsed.TotalSeconds,9:F0} {(double)requests / runs,8:F1} {batchRows / 1e6 / runs,9:F1} {(double)members / requests,8:F2} {Micro(latencies[requests / 2]),8:F0} {Micro(latencies[(int)(requests * 0.99)]),8:F0} {bytes / requests,7}");
    }

    private static string CpuModel()
    {
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
