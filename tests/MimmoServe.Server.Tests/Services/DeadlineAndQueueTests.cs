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
        var model = slow.Model;
        var runs = model.Runs;
        // Long enough for a new connection on a busy machine, so that the request is queued before it expires.
        var timeout = TimeSpan.FromSeconds(1.5);

        var call = slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, 4], "late", ensembleSize: 1, model: "slow"), deadline: DateTime.UtcNow + timeout);
        slow.WaitForQueue(1);
        // The server got the call by now, so its own deadline is at most this.
        var serverDeadline = DateTime.UtcNow + timeout;
        var error = await Assert.ThrowsAsync<RpcException>(() => call);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Shutdown runs every queued request that is still valid; an expired one must be dropped instead. (The wait is
        // for the clock itself: the client's deadline fires a little before the server's.)
        if (serverDeadline - DateTime.UtcNow is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest + TimeSpan.FromMilliseconds(20));
        }

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
        // The server's handler ends (its request dropped) once the reset reaches it.
        slow.Server.Logs.WaitFor("Client of /mimmo.v1.Inference/Predict cancelled");
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
