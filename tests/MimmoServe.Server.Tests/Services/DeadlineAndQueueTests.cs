using System.Diagnostics;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>The call's deadline and cancellation reach the queue (the request is dropped, never run); a full queue refuses at once.</summary>
public sealed class DeadlineAndQueueTests
{
    [Fact]
    public async Task Predict_DeadlinePassesWhileQueued_DeadlineExceededAndNeverRun()
    {
        await using var slow = await SlowServer.StartAsync();
        var runs = slow.Model.Runs;
        var model = slow.Model;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], "late", ensembleSize: 1, model: "slow"), deadline: TestServer.Deadline(0.3)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Shutdown runs every request still valid in the queue: the expired one must not be among them.
        await slow.Server.App.StopAsync();
        Assert.Equal(runs, model.Runs);
    }

    [Fact]
    public async Task Predict_ClientCancelsWhileQueued_CancelledAndNeverRun()
    {
        await using var slow = await SlowServer.StartAsync();
        var model = slow.Model;
        var runs = model.Runs;
        using var cancel = new CancellationTokenSource();

        var call = slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], "cancelled", ensembleSize: 1, model: "slow"), cancellationToken: cancel.Token);
        slow.WaitForQueue(1);
        await cancel.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);
        await slow.Server.App.StopAsync();
        Assert.Equal(runs, model.Runs);
    }

    [Fact]
    public async Task Predict_QueueFull_ResourceExhaustedAtOnce()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4, queueSize: 2);
        using var cancel = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, 2)
            .Select(i => slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, i], $"queued-{i}", ensembleSize: 1, model: "slow"), cancellationToken: cancel.Token))
            .ToArray();
        slow.WaitForQueue(2);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], "one-too-many", ensembleSize: 1, model: "slow")));
        clock.Stop();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("queue", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refused after {clock.Elapsed}; the queue delay is a minute");
        // Another model's queue is its own.
        Assert.Equal(3u, (await slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], model: "fast"))).EnsembleSize);
        await cancel.CancelAsync();
        foreach (var call in waiting)
        {
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);
        }
    }
}
