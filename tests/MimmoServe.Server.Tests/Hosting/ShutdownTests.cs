using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>Graceful shutdown: health NOT_SERVING, new requests UNAVAILABLE, queued requests answered, then stop.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StopAsync_RequestsQueued_DrainedAnsweredThenUnavailable()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        var health = slow.Server.App.Services.GetService(typeof(Grpc.Health.HealthStatusRegistry)) as Grpc.Health.HealthStatusRegistry;
        using var stream = slow.Server.PredictStream();
        await stream.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "on-stream", ensembleSize: 1, model: "slow"));
        var unary = slow.Server.PredictAsync(Requests.Mimo([4, 3, 2, 1], "unary", ensembleSize: 2, model: "slow"));
        slow.WaitForQueue(2);

        var stopping = slow.Server.App.StopAsync();

        // Both queued requests are answered although their run never filled (the delay is a minute).
        Expectations.AssertServed(await unary, [4, 3, 2, 1], "unary", 2, "slow");
        Assert.True(await stream.ResponseStream.MoveNext());
        Expectations.AssertServed(stream.ResponseStream.Current, [1, 2, 3, 4], "on-stream", 1, "slow");
        // The open stream stops reading and ends UNAVAILABLE.
        var ended = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.True(health!.TryGetStatus("", out var overall));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, overall);
        Assert.True(health.TryGetStatus("mimmo.v1.Inference/slow", out var model));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, model);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<RpcException>(() => slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], model: "fast")));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Repository_AfterShutdownBegins_UnavailableForNewRequests()
    {
        await using var slow = await SlowServer.StartAsync();
        var lifetime = (Microsoft.Extensions.Hosting.IHostApplicationLifetime)slow.Server.App.Services.GetService(typeof(Microsoft.Extensions.Hosting.IHostApplicationLifetime))!;
        lifetime.StopApplication();

        var error = Assert.Throws<Serving.Errors.ServingException>(() => slow.Server.Host.Repository);

        Assert.Equal(Serving.Errors.ServingErrorKind.Unavailable, error.Kind);
        Assert.Contains("shutting down", error.Message, StringComparison.Ordinal);
    }
}
