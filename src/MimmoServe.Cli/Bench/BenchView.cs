using System.Globalization;
using MimmoServe.Cli.Output;
using Spectre.Console;

namespace MimmoServe.Cli.Bench;

/// <summary>The benchmark's summary tables.</summary>
internal static class BenchView
{
    public static void Write(IAnsiConsole console, BenchResult r)
    {
        var load = r.Loop == "closed" ? $"closed loop, concurrency {r.Concurrency}" : $"open loop, Poisson arrivals at {F(r.Rate ?? 0)}/s";
        console.WriteLine($"{r.Address} model {r.Model}: {load}, {F(r.Duration)} s; client CPU {F(r.ClientCpuSeconds)} s");
        var perCall = r.ItemsPerCall == 1
            ? ""
            : string.Create(
                CultureInfo.InvariantCulture,
                $", {r.ItemsPerCall} items per call ({F(r.CallsPerSecond)} calls/s; completed and throughput count items, latencies calls)");
        console.WriteLine($"{(r.Items == 1 ? "one random item" : $"{r.Items} items in turn")}, exit policy {r.ExitPolicy}{perCall}");
        var summary = new Table().AddColumns("completed", "failed", "throughput/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        summary.AddTextRow(r.Completed.ToString(CultureInfo.InvariantCulture), r.Failed.ToString(CultureInfo.InvariantCulture), F(r.Throughput), F(r.Latency.P50), F(r.Latency.P90), F(r.Latency.P99), F(r.Latency.P999), F(r.Latency.Max));
        console.Write(summary);

        if (r.ByMode.Count > 1)
        {
            var modes = new Table().Title("by mode").AddColumns("mode", "completed", "p50 ms", "p99 ms");
            foreach (var (mode, l) in r.ByMode)
            {
                modes.AddTextRow(mode, l.Count.ToString(CultureInfo.InvariantCulture), F(l.P50), F(l.P99));
            }

            console.Write(modes);
        }

        if (r.Accuracy is { } accuracy)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"served accuracy {accuracy:0.0000} over {r.Completed} answers"));
        }

        if (r.Exits is { } exits)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean compute share {r.MeanComputeShare ?? 0:0.000} of the full forward pass"));
            var table = new Table().Title("answers per exit").AddColumns("exit", "answers", "share");
            foreach (var (exit, count) in exits)
            {
                table.AddTextRow(exit, count.ToString(CultureInfo.InvariantCulture), (count / (double)Math.Max(1, r.Completed)).ToString("0.000", CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }

        if (r.Errors.Count > 0)
        {
            var errors = new Table().Title("errors by status").AddColumns("status", "count");
            foreach (var (status, count) in r.Errors.OrderByDescending(e => e.Value))
            {
                errors.AddTextRow(status, count.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(errors);
        }
    }

    public static string Progress(double seconds, BenchRecorder recorder, double duration) =>
        string.Create(CultureInfo.InvariantCulture, $"{seconds,5:0.0}/{duration:0} s  completed {recorder.Completed}  failed {recorder.Failed}  {recorder.Completed / Math.Max(seconds, 1e-9):0}/s");

    private static string F(double value) => value.ToString(value >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture);
}
