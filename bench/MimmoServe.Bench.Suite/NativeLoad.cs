using System.Diagnostics;
using System.Globalization;
using MimmoServe.Server.Tests.Load;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Drives Predict with h2load (Debian's nghttp2-client), a native HTTP/2 load generator, sending pre-encoded calls
/// (<see cref="RequestBodies"/>): one h2load process per body file, all at once, so that the load costs little CPU and
/// the figures are the server's. Closed loop (every stream sends its next call when the last is answered) or, with a
/// rate, h2load's per-connection request rate with enough streams that it is not held back (at half load the streams
/// are never all busy, so latency is counted from each call's send). Latency percentiles come from h2load's per-request
/// log; calls that failed come from the server's metrics (<see cref="ServerMetrics"/>), since a gRPC error is HTTP 200.
/// </summary>
internal sealed class NativeLoad(HttpClient http)
{
    public const string Program = H2Load.Program;

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
        var (before, allocatedBefore, runtimeBefore) = await ServerMetrics.ReadAsync(http, server.AdminPort, model).ConfigureAwait(false);
        var serverCpu = server.CpuSeconds;
        var clientCpu = ChildrenCpu.Seconds();
        int? rps = inputsPerSecond is { } rate ? Math.Max(1, (int)Math.Round(rate / items / (connections * bodies.Count))) : null;
        var runs = bodies.Select(body => H2Load.RunAsync(server.Port, body, connections, streams, TimeSpan.FromSeconds(seconds), rps)).ToList();
        var summaries = await Task.WhenAll(runs).ConfigureAwait(false);
        serverCpu = server.CpuSeconds - serverCpu;
        clientCpu = ChildrenCpu.Seconds() - clientCpu;
        var (after, allocatedAfter, runtimeAfter) = await ServerMetrics.ReadAsync(http, server.AdminPort, model).ConfigureAwait(false);
        var answered = ServerMetrics.Difference(before, after);
        // CANCELLED is h2load resetting the calls still in flight when its time is up, not a failure of the server.
        var errors = answered.Where(p => p.Key is not ("OK" or Cancelled)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var calls = summaries.Sum(s => s.Succeeded);
        var failed = errors.Values.Sum() + summaries.Sum(s => s.Failed);
        var duration = summaries.Max(s => s.Seconds);
        var latencies = summaries.SelectMany(s => s.LatenciesMs).Order().ToArray();
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
            MeanMs: latencies.Length == 0 ? double.NaN : latencies.Average(),
            ServerAllocatedBytes: allocatedAfter - allocatedBefore,
            ServerCalls: answered.Values.Sum(),
            ServerRuntime: runtimeAfter.Minus(runtimeBefore));
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
