using Microsoft.Extensions.DependencyInjection;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// Faults through the whole server: a run past run_timeout_ms (mimo_slow.onnx) and the execution provider's circuit
/// breaker tripped by a session that fails on purpose (mimo_fail.onnx fails runs holding a value >= 1000).
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task Predict_RunPastRunTimeout_DeadlineExceededSayingSoAndTheModelServesOn()
    {
        using var models = new TestModels().Add("slow", TestModels.Fixture("mimo_slow.onnx"), new { run_timeout_ms = 200, intra_op_threads = 1 });
        await using var server = await TestServer.StartAsync(models.Directory);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.PredictAsync(Requests.Mimo([1e7f, 1, 2, 3], "endless", 3, "slow")));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("run_timeout_ms (200 ms) and was stopped", error.Status.Detail, StringComparison.Ordinal);
        Expectations.AssertServed(await server.PredictAsync(Requests.Mimo([4, 1, 2, 3], "after", 3, "slow")), [4, 1, 2, 3], "after", 3, "slow");
    }

    [Fact]
    public async Task Predict_RepeatedRunFailures_BreakerMovesTheModelToCpuLogsItAndHealthStaysServing()
    {
        using var models = new TestModels().Add("flaky", TestModels.Fixture("mimo_fail.onnx"), new { intra_op_threads = 1 });
        await using var server = await TestServer.StartAsync(models.Directory, services: s => s.PostConfigure<MimmoServerOptions>(o => o.BreakOnCpu = true));

        // The breaker's minimum throughput: 3 runs, all failed.
        for (var i = 0; i < 3; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => server.PredictAsync(Requests.Mimo([5000, 1, 2, 3], $"bad{i}", 3, "flaky")));
            Assert.Equal(StatusCode.Internal, error.StatusCode);
        }

        server.Logs.WaitFor("Model flaky: runs on Cpu kept failing, the circuit breaker opened: the model now runs on a new Cpu session (it stays SERVING)");
        Assert.StartsWith("circuit breaker:", server.Repository.Get("flaky").ExecutionProvider.Reason, StringComparison.Ordinal);
        Assert.Equal("cpu", (await server.GetModelAsync("flaky")).ExecutionProvider);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await server.HealthAsync("mimmo.v1.Inference/flaky"));
        Expectations.AssertServed(await server.PredictAsync(Requests.Mimo([7, 1, 2, 3], "good", 3, "flaky")), [7, 1, 2, 3], "good", 3, "flaky");
    }
}
