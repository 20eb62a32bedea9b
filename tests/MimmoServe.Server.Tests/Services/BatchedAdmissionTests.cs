using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// A batched call against a model whose runs wait a minute to fill (<see cref="SlowServer"/>): nothing is queued for a
/// call with a bad item, the queue takes all of a call's items or none, and the call's deadline and cancellation drop
/// every item still waiting.
/// </summary>
public sealed class BatchedAdmissionTests
{
    [Fact]
    public async Task Predict_OneBadItemAmongGoodOnes_NothingQueued()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        var items = new[] { new float[] { 1, 2, 3, 4 }, [1, 2, 3, 4], [1, float.NaN, 3, 4] };

        var error = await Assert.ThrowsAsync<RpcException>(() => slow.Server.PredictAsync(Requests.MimoBatch(items, ensembleSize: 1, model: "slow")));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("item 2:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, slow.Model.QueueLength);
    }

    [Fact]
    public async Task Predict_QueueHasRoomForSomeItemsOnly_ResourceExhaustedAndNoneQueued()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4, queueSize: 5);
        using var cancel = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, 3)
            .Select(i => slow.Server.PredictAsync(Requests.Mimo([1, 2, 3, i], $"queued-{i}", ensembleSize: 1, model: "slow"), cancellationToken: cancel.Token))
            .ToArray();
        slow.WaitForQueue(3);
        var three = Enumerable.Range(0, 3).Select(i => new float[] { i, 1, 2, 3 }).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => slow.Server.PredictAsync(Requests.MimoBatch(three, ensembleSize: 1, model: "slow")));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("queue", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3, slow.Model.QueueLength);
        // Two fit: both are queued, with the call still waiting for its run.
        var two = slow.Server.PredictAsync(Requests.MimoBatch(three[..2], ensembleSize: 1, model: "slow"), cancellationToken: cancel.Token);
        slow.WaitForQueue(5);
        await cancel.CancelAsync();
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => two)).StatusCode);
        foreach (var call in waiting)
        {
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);
        }
    }

    [Fact]
    public async Task Predict_DeadlinePassesWhileItemsQueued_DeadlineExceededAndNoItemRun()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        var model = slow.Model;
        var runs = model.Runs;
        var timeout = TimeSpan.FromSeconds(1.5);
        var items = Enumerable.Range(0, 5).Select(i => new float[] { i, 1, 2, 3 }).ToArray();

        var call = slow.Server.PredictAsync(Requests.MimoBatch(items, "late", ensembleSize: 1, model: "slow"), deadline: DateTime.UtcNow + timeout);
        slow.WaitForQueue(5);
        var serverDeadline = DateTime.UtcNow + timeout;
        var error = await Assert.ThrowsAsync<RpcException>(() => call);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Shutdown runs every queued item that is still valid; expired ones must be dropped instead (the wait is for the
        // clock itself: the client's deadline fires a little before the server's).
        if (serverDeadline - DateTime.UtcNow is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest + TimeSpan.FromMilliseconds(20));
        }

        await slow.Server.App.StopAsync();
        Assert.Equal(runs, model.Runs);
    }

    [Fact]
    public async Task Predict_ClientCancelsWhileItemsQueued_CancelledAndNoItemRun()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        var model = slow.Model;
        var runs = model.Runs;
        using var cancel = new CancellationTokenSource();
        var items = Enumerable.Range(0, 5).Select(i => new float[] { i, 1, 2, 3 }).ToArray();

        var call = slow.Server.PredictAsync(Requests.MimoBatch(items, "cancelled", ensembleSize: 1, model: "slow"), cancellationToken: cancel.Token);
        slow.WaitForQueue(5);
        await cancel.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);
        slow.Server.Logs.WaitFor("Client of /mimmo.v1.Inference/Predict cancelled");
        await slow.Server.App.StopAsync();
        Assert.Equal(runs, model.Runs);
    }
}
