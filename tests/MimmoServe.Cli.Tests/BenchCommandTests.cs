using System.Text.Json;
using MimmoServe.Cli.Input;
using MimmoServe.Client;
using MimmoServe.Protocol.V1;

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
    public async Task Bench_ItemsPerCall_CompletedCountsItemsAndLatenciesCalls()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CliRun.RunAsync(
                ["bench", "--address", server.Address, "--model", "mimo", "--concurrency", "2", "--duration", "1", "--items-per-call", "5", "--json", file]);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("5 items per call", run.Output, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            Assert.Equal(0, root.GetProperty("failed").GetInt64());
            Assert.Equal(5, root.GetProperty("items_per_call").GetInt32());
            var calls = root.GetProperty("latency_ms").GetProperty("count").GetInt64();
            Assert.True(calls > 0);
            Assert.Equal(5 * calls, root.GetProperty("completed").GetInt64());
            Assert.Equal(5 * root.GetProperty("calls_per_s").GetDouble(), root.GetProperty("throughput_per_s").GetDouble(), 6);
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

    [Fact]
    public async Task Bench_ImagesWithLabels_EveryItemInTurnAndAccuracyAgainstTheLabels()
    {
        // Six items of the fixture's shape [4]; each label is the server's own answer (k = M: a row holds one item, so
        // the answer does not depend on the batch) for even items and another class for odd ones. Items go out in
        // turn, so with c answers exactly ceil(c / 2) are right.
        using var folder = new TempFolder();
        var random = new Random(7);
        var values = Enumerable.Range(0, 6 * 4).Select(_ => random.NextSingle() * 4 - 2).ToArray();
        var path = folder.WriteFloats("items.f32", values);
        using var client = MimmoClient.Create(server.Address);
        var labels = new int[6];
        for (var i = 0; i < labels.Length; i++)
        {
            var request = new PredictRequest { Model = "mimo" };
            request.Shape.Add(4);
            request.Data.AddRange(values.AsSpan(i * 4, 4).ToArray());
            var answer = (int)(await client.PredictAsync(request, OperatingPoint.Accuracy)).ClassIndex;
            labels[i] = i % 2 == 0 ? answer : (answer + 1) % 4;
        }

        File.WriteAllText(Path.Combine(folder.Path, ItemSet.ManifestFile), JsonSerializer.Serialize(new { images = "items.f32", labels }));
        var file = Path.Combine(folder.Path, "bench.json");

        var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--model", "mimo", "--modes", "accuracy", "--concurrency", "3", "--duration", "1", "--images", path, "--json", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var root = json.RootElement;
        var completed = root.GetProperty("completed").GetInt64();
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        Assert.True(completed > 6, run.ToString());
        Assert.Equal(6, root.GetProperty("items").GetInt32());
        Assert.Equal((completed + 1) / 2 / (double)completed, root.GetProperty("accuracy").GetDouble(), 12);
        // Not a staged model: no exit histogram.
        Assert.Equal(JsonValueKind.Null, root.GetProperty("exits").ValueKind);
        Assert.Contains("6 items in turn", run.Output, StringComparison.Ordinal);
        Assert.Contains("served accuracy", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_LabelledItemsToARegressionModel_LabelsNotScoredAndSaidSo()
    {
        using var folder = new TempFolder();
        var path = folder.WriteFloats("items.f32", [.. Enumerable.Range(0, 3 * 4).Select(i => i / 10f)]);
        File.WriteAllText(Path.Combine(folder.Path, ItemSet.ManifestFile), JsonSerializer.Serialize(new { images = "items.f32", labels = new[] { 0, 1, 2 } }));
        var file = Path.Combine(folder.Path, "bench.json");

        var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--model", "mimo-regression", "--concurrency", "2", "--duration", "0.5", "--images", path, "--json", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("accuracy").ValueKind);
        Assert.True(json.RootElement.GetProperty("completed").GetInt64() > 0);
        Assert.Contains("the items' labels are not scored: 'mimo-regression' is a regression model", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("served accuracy", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_RandomItem_NoAccuracy()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--concurrency", "2", "--duration", "0.5", "--json", file]);

            Assert.True(run.ExitCode == 0, run.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("accuracy").ValueKind);
            Assert.Equal((1, "default"), (json.RootElement.GetProperty("items").GetInt32(), json.RootElement.GetProperty("exit_policy").GetString()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bench_Warmup_MeasuresAfterItAndCountsOnlyTheMeasuredCalls()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--model", "mimo", "--concurrency", "2", "--duration", "1", "--warmup", "1", "--json", file]);

            Assert.True(run.ExitCode == 0, run.ToString());
            var output = run.Output;
            var warming = output.IndexOf("warming up for 1 s", StringComparison.Ordinal);
            var measuring = output.IndexOf("measuring for 1 s", StringComparison.Ordinal);
            var measured = output.IndexOf("\nmeasured", StringComparison.Ordinal);
            Assert.True(warming >= 0 && warming < measuring && measuring < measured, output);
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            // The measured second only: the duration is its own, and the client CPU is at most what a process can use in it.
            Assert.InRange(root.GetProperty("duration_s").GetDouble(), 1, 1.9);
            Assert.InRange(root.GetProperty("client_cpu_s").GetDouble(), 0, Environment.ProcessorCount * root.GetProperty("duration_s").GetDouble());
            Assert.Equal(root.GetProperty("completed").GetInt64(), root.GetProperty("latency_ms").GetProperty("count").GetInt64());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bench_NegativeWarmup_ExitTwoNamingIt()
    {
        var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--warmup", "-1", "--duration", "1"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--warmup", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--exit", "soon", "not an exit policy")]
    [InlineData("--images", "no-such-file.f32", "does not exist")]
    public async Task Bench_BadExitOrImages_ExitTwoNamingWhy(string option, string value, string reason)
    {
        var run = await CliRun.RunAsync(["bench", "--address", server.Address, option, value, "--duration", "1"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
    }
}
