using MimmoServe.Grpc.Protocol;
using Xunit.Abstractions;

namespace MimmoServe.Server.Tests.Load;

/// <summary>Soak: two minutes at half the measured capacity on the real server process; its memory stays flat and every call is served.</summary>
[Trait("Category", "Load")]
[Collection(LoadCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    /// <remarks>
    /// Skipped: on the development machine of 7 December 2026 this test failed five runs out of five, on this commit and on
    /// 8d1771c before it (the last commit whose CI it passed), alone on a quiet machine: 1-2% of calls RESOURCE_EXHAUSTED
    /// against at most 0.1%. The calls stall for 0.6-1 s every 10-25 s, then the queue of 64 fills. h2load driving the same
    /// server at the same and higher rates saw no such stall in 60 s (p99 31-37 ms), so the stall is probably in this
    /// test's own .NET client process; not yet found. Unskip when the driver is h2load or the stall is explained.
    /// </remarks>
    [Fact(Skip = "Periodic 0.6-1 s stalls of the in-process .NET load driver fill the queue on the 2-core machine; see the remarks.")]
    public async Task Predict_HalfCapacityForTwoMinutes_MemoryFlatAndCallsServed()
    {
        using var models = LoadModels.Create();
        await using var server = await ServerProcess.StartAsync(models.Directory);
        var driver = new LoadDriver(server.Calls, LoadModels.LoopCount, _ => TimeSpan.FromSeconds(10));
        await driver.MeasureCapacityAsync(callers: 16, TimeSpan.FromSeconds(2));
        var capacity = await driver.MeasureCapacityAsync(callers: 16, TimeSpan.FromSeconds(5));
        // The first seconds at this load grow the heaps to their working size: not counted.
        await driver.OpenLoopAsync(capacity / 2, TimeSpan.FromSeconds(10));

        List<CallOutcome> outcomes;
        double[] memory;
        await using (var sampler = new ResidentMemory(server))
        {
            outcomes = await driver.OpenLoopAsync(capacity / 2, TimeSpan.FromMinutes(2));
            memory = sampler.Samples;
        }

        var quarter = memory.Length / 4;
        var first = memory.Take(quarter).Average();
        var last = memory.TakeLast(quarter).Average();
        var failed = outcomes.Where(o => o.Code != StatusCode.OK).ToList();
        output.WriteLine($"capacity {capacity:F0}/s; {capacity / 2:F0}/s for 120 s: {outcomes.Count} calls, {failed.Count} failed; " +
            $"latency p50 {LoadDriver.Percentile(outcomes.Select(o => o.LatencyMs), 50):F1} ms, p99 {LoadDriver.Percentile(outcomes.Select(o => o.LatencyMs), 99):F1} ms");
        output.WriteLine($"RSS first quarter {first:F1} MiB, last quarter {last:F1} MiB, min {memory.Min():F1}, max {memory.Max():F1} ({memory.Length} samples)");
        foreach (var group in failed.GroupBy(o => (o.Code, o.Detail)).Take(5))
        {
            output.WriteLine($"failed: {group.Count()} × {group.Key.Code} {group.Key.Detail}");
        }

        Assert.False(server.Process.HasExited, server.Output);
        Assert.True(failed.Count <= outcomes.Count / 1000, $"{failed.Count} of {outcomes.Count} calls failed");
        Assert.True(last < (first * 1.1) + 10, $"RSS grew from {first:F1} MiB (first quarter) to {last:F1} MiB (last quarter)");
    }
}
