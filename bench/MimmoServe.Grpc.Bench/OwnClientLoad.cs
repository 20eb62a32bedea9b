using System.Diagnostics;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Health.V1;

namespace MimmoServe.Grpc.Bench;

/// <summary>Our client in this process: Health/Check("") with <c>concurrency</c> calls in flight on one channel.</summary>
internal static class OwnClientLoad
{
    public static async Task<LoadResult> RunAsync(ChildServer server, BenchOptions options)
    {
        using var channel = GrpcChannel.ForAddress("http://" + server.Target);
        var invoker = channel.CreateCallInvoker();
        var request = new HealthCheckRequest();
        var first = await invoker.AsyncUnaryCall(HealthService.CheckMethod, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(10)));
        if (first.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            throw new InvalidOperationException($"{server.Name}: Check(\"\") answered {first.Status}, not SERVING.");
        }

        await RunBatchAsync(invoker, request, options.Warmup, options.Concurrency, new long[options.Warmup]);
        var latencies = new long[options.Calls];
        using var self = Process.GetCurrentProcess();
        var clientCpuBefore = self.TotalProcessorTime;
        var cpuBefore = server.CpuSeconds;
        var watch = Stopwatch.StartNew();
        var errors = await RunBatchAsync(invoker, request, options.Calls, options.Concurrency, latencies);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpu = server.CpuSeconds - cpuBefore;
        self.Refresh();
        var clientCpu = (self.TotalProcessorTime - clientCpuBefore).TotalSeconds;
        Array.Sort(latencies);
        return new LoadResult(server.Name, "MimmoServe client", options.Calls, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), errors, cpu, options.Calls, clientCpu);
    }

    private static async Task<int> RunBatchAsync(CallInvoker invoker, HealthCheckRequest request, int total, int concurrency, long[] latencies)
    {
        var next = -1;
        var errors = 0;

        async Task WorkerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < total)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await invoker.AsyncUnaryCall(HealthService.CheckMethod, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(10)));
                }
                catch (Protocol.RpcException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[index] = Stopwatch.GetTimestamp() - start;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, Math.Max(total, 1))).Select(_ => Task.Run(WorkerAsync)));
        return errors;
    }

    private static double Percentile(long[] sortedTicks, double fraction)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(fraction * sortedTicks.Length);
        return sortedTicks[Math.Clamp(rank, 1, sortedTicks.Length) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}
