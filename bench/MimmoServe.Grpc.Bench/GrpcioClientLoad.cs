using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// The grpcio client (tests/interop/python/bench_client.py) as a process pinned to the client core. It does
/// its own warm-up inside the process, so the server CPU window covers warm-up and measured calls, and the
/// per-call figure divides by both. A short run first warms the server (JIT, connection code paths).
/// </summary>
internal static class GrpcioClientLoad
{
    public const string Python = "/usr/bin/python3";

    public static async Task<LoadResult> RunAsync(ChildServer server, BenchOptions options, Pinning pinning)
    {
        await RunClientAsync(server, Math.Max(options.Warmup, 1), 0, options.Concurrency, pinning);
        var cpuBefore = server.CpuSeconds;
        var result = await RunClientAsync(server, options.Calls, options.Warmup, options.Concurrency, pinning);
        var cpu = server.CpuSeconds - cpuBefore;
        var root = result.RootElement;
        return new LoadResult(
            server.Name,
            "grpcio " + root.GetProperty("grpcio").GetString() + " client",
            root.GetProperty("calls").GetInt32(),
            root.GetProperty("seconds").GetDouble(),
            root.GetProperty("p50_ms").GetDouble(),
            root.GetProperty("p99_ms").GetDouble(),
            root.GetProperty("errors").GetInt32(),
            cpu,
            // Measured calls, the client's warm-up and its one checked call.
            options.Calls + options.Warmup + 1,
            root.GetProperty("client_cpu_seconds").GetDouble());
    }

    private static async Task<JsonDocument> RunClientAsync(ChildServer server, int calls, int warmup, int concurrency, Pinning pinning)
    {
        string[] arguments =
        [
            BenchPaths.BenchClientScript, "--target", server.Target,
            "--calls", calls.ToString(CultureInfo.InvariantCulture),
            "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
            "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
        ];
        var start = pinning.Start(Pinning.ClientCore, Python, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Python);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench_client.py against {server.Name} exited {process.ExitCode}: {stdout}\n{await stderr}");
        }

        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
    }
}
