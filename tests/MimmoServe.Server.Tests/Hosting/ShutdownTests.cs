using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>Graceful shutdown: health NOT_SERVING, new requests UNAVAILABLE, queued requests answered, then stop.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StopApplication_RequestsQueued_DrainedAnsweredNewOnesUnavailableThenStops()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        using var stream = slow.Server.PredictStream();
        await stream.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "on-stream", ensembleSize: 1, model: "slow"));
        var unary = slow.Server.PredictAsync(Requests.Mimo([4, 3, 2, 1], "unary", ensembleSize: 2, model: "slow"));
        slow.WaitForQueue(2);

        // Shutdown's first step (what SIGTERM does before the endpoint closes); the endpoint stays open until StopAsync.
        slow.Server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        // Both queued requests are answered although their run never filled (the delay is a minute).
        Expectations.AssertServed(await unary, [4, 3, 2, 1], "unary", 2, "slow");
        Assert.True(await stream.ResponseStream.MoveNext());
        Expectations.AssertServed(stream.ResponseStream.Current, [1, 2, 3, 4], "on-stream", 1, "slow");
        // The open stream stops reading and ends UNAVAILABLE; new calls are refused UNAVAILABLE; health says NOT_SERVING.
        var ended = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        var refused = await Assert.ThrowsAsync<RpcException>(() => slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], model: "fast")));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("shutting down", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await slow.Server.HealthAsync(""));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await slow.Server.HealthAsync("mimmo.v1.Inference/slow"));

        await slow.Server.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        slow.Server.Logs.WaitFor("Stopped: every queued request was answered");
    }

    [Fact]
    public async Task StopApplication_RunOutlastsTheGrace_AnsweredUnavailableWhenTheGraceEndsThenStops()
    {
        using var models = new TestModels().Add("slow", TestModels.Fixture("mimo_slow.onnx"), new { run_timeout_ms = 600000, intra_op_threads = 1 });
        await using var server = await TestServer.StartAsync(models.Directory, new Dictionary<string, string?> { ["Mimmo:ShutdownGraceSeconds"] = "1" });
        var model = server.Repository.Get("slow");
        var warmUpRuns = model.Runs;
        // About 30 s of run: it outlasts the 1 s grace.
        var endless = server.PredictAsync(Requests.Mimo([1e7f, 1, 2, 3], "endless", 3, "slow"));
        Assert.True(SpinWait.SpinUntil(() => model.Runs == warmUpRuns + 1, TimeSpan.FromSeconds(20)));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var error = await Assert.ThrowsAsync<RpcException>(() => endless);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("grace period ended", error.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        server.Logs.WaitFor("The shutdown grace of 1 s ended before the drain: 0 queued request(s) answered UNAVAILABLE");
        await server.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
