using System.Text.Json;

namespace MimmoServe.Cli.Tests;

/// <summary>mimmo bench against a real server: a short closed-loop and open-loop run, and the JSON they write.</summary>
public sealed class BenchCommandTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    [Fact]
    public async Task Bench_ClosedLoopWithModeMix_JsonCountsEveryModeAndNoErrors()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--model", "mimo", "--concurrency", "4", "--duration", "1.5", "--modes", "accuracy:1,throughput:1", "--json", file]);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("completed", run.Output, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            Assert.Equal("closed", root.GetProperty("loop").GetString());
            Assert.Equal(0, root.GetProperty("failed").GetInt64());
            var completed = root.GetProperty("completed").GetInt64();
            Assert.True(completed > 0);
            var byMode = root.GetProperty("latency_ms_by_mode");
            Assert.Equal(completed, byMode.GetProperty("accuracy").GetProperty("count").GetInt64() + byMode.GetProperty("throughput").GetProperty("count").GetInt64());
            var latency = root.GetProperty("latency_ms");
            Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p99").GetDouble());
            Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("p999").GetDouble());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bench_OpenLoop_ThroughputNearTheRate()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--rate", "100", "--duration", "2", "--json", file]);

            Assert.True(run.ExitCode == 0, run.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            Assert.Equal("open", root.GetProperty("loop").GetString());
            Assert.Equal(0, root.GetProperty("failed").GetInt64());
            // About 200 Poisson arrivals in 2 s; the tiny model keeps up, so every arrival is answered.
            var completed = root.GetProperty("completed").GetInt64();
            Assert.InRange(completed, 120, 280);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bench_UnknownMode_ExitTwo()
    {
        var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--modes", "fast", "--duration", "1"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not a mode", run.Error, StringComparison.Ordinal);
    }
}
