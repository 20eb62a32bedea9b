using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Drives Predict with h2load (Debian's nghttp2-client), a native HTTP/2 load generator, sending pre-encoded calls
/// (<see cref="RequestBodies"/>): one h2load process per body file, all at once, so that the load costs little CPU and
/// the figures are the server's. Closed loop (every stream sends its next call when the last is answered) or, with a
/// rate, h2load's per-connection request rate with enough streams that it is not held back (at half load the streams
/// are never all busy, so latency is counted from each call's send). Latency percentiles come from h2load's per-request
/// log; calls that failed come from the server's metrics (<see cref="ServerMetrics"/>), since a gRPC error is HTTP 200.
/// </summary>
internal sealed partial class NativeLoad(HttpClient http)
{
    public const string Program = "h2load";

    /// <summary>Kestrel's default limit of concurrent streams on one HTTP/2 connection.</summary>
    public const int MaxStreamsPerConnection = 100;

    private const string Cancelled = "CANCELLED";

    public static bool Available()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Program, "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            process!.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <param name="server">The server under test (its admin port answers /metrics).</param>
    /// <param name="model">The model the bodies name (for the server's failure count).</param>
    /// <param name="bodies">Pre-encoded calls, one h2load process each.</param>
    /// <param name="items">Inputs per call.</param>
    /// <param name="inFlight">Calls in flight at once, over every process (closed loop), or at most (with a rate).</param>
    /// <param name="seconds">How long to measure.</param>
    /// <param name="inputsPerSecond">Open loop at this input rate; null for closed loop.</param>
    public async Task<LoadResult> RunAsync(ServerProcess server, string model, IReadOnlyList<string> bodies, int items, int inFlight, double seconds, double? inputsPerSecond = null)
    {
        var perBody = Math.Max(1, (int)Math.Ceiling(inFlight / (double)bodies.Count));
        var connections = (int)Math.Ceiling(perBody / (double)MaxStreamsPerConnection);
        var streams = (int)Math.Ceiling(perBody / (double)connections);
        var logs = bodies.Select(_ => Path.Combine(Path.GetTempPath(), $"mimmo-suite-h2load-{Environment.ProcessId}-{Guid.NewGuid():N}.tsv")).ToList();
        var before = await ServerMetrics.RequestsAsync(http, server.AdminPort, model).ConfigureAwait(false);
        var serverCpu = server.CpuSeconds;
        var clientCpu = ChildrenCpu.Seconds();
        try
        {
            var runs = bodies.Select((body, i) => RunOneAsync(server, body, logs[i], connections, streams, seconds,
                inputsPerSecond is { } rate ? rate / items / (connections * bodies.Count) : null)).ToList();
            var outputs = await Task.WhenAll(runs).ConfigureAwait(false);
            serverCpu = server.CpuSeconds - serverCpu;
            clientCpu = ChildrenCpu.Seconds() - clientCpu;
            var after = await ServerMetrics.RequestsAsync(http, server.AdminPort, model).ConfigureAwait(false);
            var answered = ServerMetrics.Difference(before, after);
            // CANCELLED is h2load resetting the calls still in flight when its time is up, not a failure of the server.
            var errors = answered.Where(p => p.Key is not ("OK" or Cancelled)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var summaries = outputs.Select(Parse).ToList();
            var calls = summaries.Sum(s => s.Succeeded);
            var failed = errors.Values.Sum() + summaries.Sum(s => s.Failed);
            var duration = summaries.Max(s => s.Seconds);
            var latencies = logs.SelectMany(ReadLatencies).Order().ToArray();
            var completed = Math.Max(0, calls - errors.Values.Sum()) * items;
            return new LoadResult(
                inputsPerSecond is null ? "closed" : "open",
                connections * streams * bodies.Count,
                inputsPerSecond,
                duration,
                completed,
                failed,
                completed / duration,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.90),
                Percentile(latencies, 0.99),
                errors,
                serverCpu,
                clientCpu,
                ItemsPerCall: items,
                MeanMs: latencies.Length == 0 ? double.NaN : latencies.Average());
        }
        finally
        {
            logs.ForEach(File.Delete);
        }
    }

    private static async Task<string> RunOneAsync(ServerProcess server, string body, string log, int connections, int streams, double seconds, double? callsPerSecondPerConnection)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-c", connections.ToString(CultureInfo.InvariantCulture), "-m", streams.ToString(CultureInfo.InvariantCulture),
            "-D", $"{(int)Math.Round(seconds * 1000)}ms", $"--log-file={log}",
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (callsPerSecondPerConnection is { } rps)
        {
            start.ArgumentList.Add($"--rps={Math.Max(1, (int)Math.Round(rps)).ToString(CultureInfo.InvariantCulture)}");
        }

        start.ArgumentList.Add($"{server.Address}/mimmo.v1.Inference/Predict");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start h2load");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"h2load exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}\n{await output.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    /// <summary>h2load's summary: "finished in 8.00s, ..." and "requests: N total, N started, N done, N succeeded, N failed, ...".</summary>
    private static (double Seconds, long Succeeded, long Failed) Parse(string output)
    {
        var finished = FinishedLine().Match(output);
        var requests = RequestsLine().Match(output);
        if (!finished.Success || !requests.Success)
        {
            throw new InvalidOperationException($"h2load's output was not understood:\n{output}");
        }

        var value = double.Parse(finished.Groups[1].Value, CultureInfo.InvariantCulture);
        var seconds = finished.Groups[2].Value switch { "ms" => value / 1000, "us" => value / 1e6, _ => value };
        long Count(string name) => long.Parse(requests.Groups[name].Value, CultureInfo.InvariantCulture);
        return (seconds, Count("succeeded"), Count("failed") + Count("errored") + Count("timeout"));
    }

    /// <summary>Milliseconds per request from h2load's log: start (µs since the epoch), HTTP status, µs to the response's end.</summary>
    private static IEnumerable<double> ReadLatencies(string log) =>
        File.Exists(log)
            ? File.ReadLines(log).Select(l => l.Split('\t')).Where(f => f.Length >= 3 && f[1] == "200").Select(f => long.Parse(f[2], CultureInfo.InvariantCulture) / 1000.0)
            : [];

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    [GeneratedRegex(@"finished in ([0-9.]+)(s|ms|us)")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"requests: (?<total>\d+) total, (?<started>\d+) started, (?<done>\d+) done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex RequestsLine();
}
