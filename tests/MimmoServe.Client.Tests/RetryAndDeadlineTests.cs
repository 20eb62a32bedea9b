using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Client.Tests;

/// <summary>
/// Retries on RESOURCE_EXHAUSTED from a real server with a tiny queue, and backoff that never passes the deadline.
/// The client's clock is an <see cref="ObservedClock"/>: a backoff ends only when the test advances it, after its timer exists.
/// </summary>
public sealed class RetryAndDeadlineTests
{
    [Fact]
    public async Task PredictAsync_QueueFull_RetriedOnceTheQueueHasRoom()
    {
        // Model "tiny" queues one request at most and runs a request that does not fill its row after 2 s (gathering while idle).
        using var models = new TestModels()
            .Add("tiny", TestModels.Fixture("mimo.onnx"), new { max_rows_per_run = 1, max_queue_delay_ms = 2000, gather_when_idle = true, queue_size = 1 });
        await using var server = await TestServer.StartAsync(models.Directory);
        var tiny = server.Repository.Get("tiny");
        var first = server.PredictAsync(Requests.Mimo([1, 2, 3, 0], "first", ensembleSize: 1, model: "tiny"));
        Assert.True(SpinWait.SpinUntil(() => tiny.QueueLength == 1, TimeSpan.FromSeconds(20)), "the first request was never queued");
        var clock = new ObservedClock();
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [server.Target], o =>
        {
            o.TimeProvider = clock;
            o.Jitter = () => 1.0;
            o.RetryBaseDelay = TimeSpan.FromSeconds(1);
            o.RetryMaxDelay = TimeSpan.FromSeconds(8);
        });

        var call = client.PredictAsync(Requests.Mimo([1, 2, 3, 4], "retried", ensembleSize: 2, model: "tiny"));
        logs.WaitFor("Retry 1 after 1000 ms (ResourceExhausted)");
        clock.WaitForTimer(TimeSpan.FromSeconds(1));
        // The backoff waits for the client's clock; meanwhile the first request's run empties the queue.
        Assert.Equal("first", (await first).Id);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        var reply = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("retried", reply.Id);
        Assert.Equal(2u, reply.EnsembleSize);
        Assert.Equal(1, ClientHarness.Count(logs, "Retry "));
    }

    [Fact]
    public async Task PredictAsync_NextBackoffWouldPassTheDeadline_FailsWithTheLastErrorBeforeTheDeadline()
    {
        var clock = new ObservedClock();
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [ClientHarness.DeadAddress()], o =>
        {
            o.TimeProvider = clock;
            o.Jitter = () => 1.0;
            o.RetryBaseDelay = TimeSpan.FromSeconds(1);
            o.RetryMaxDelay = TimeSpan.FromSeconds(60);
            o.MaxRetryAttempts = 10;
            o.BreakerMinimumThroughput = 100;
        });
        var start = clock.GetUtcNow();

        // Backoffs 1 s, 2 s, 4 s: attempts at 0, 1 and 3 s; the third backoff would end at 7 s, past the 5 s deadline.
        var call = client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), deadline: start.UtcDateTime.AddSeconds(5));
        logs.WaitFor("Retry 1 after 1000 ms");
        clock.WaitForTimer(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        logs.WaitFor("Retry 2 after 2000 ms");
        clock.WaitForTimer(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), clock.GetUtcNow() - start);
        Assert.Equal(1, ClientHarness.Count(logs, "would pass the deadline (2000 ms left)"));
        Assert.Equal(3, ClientHarness.Count(logs, "failed with Unavailable"));
    }

    [Fact]
    public async Task PredictAsync_FirstBackoffLongerThanTheDeadline_NoRetryAndNoWait()
    {
        var clock = new ObservedClock();
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [ClientHarness.DeadAddress()], o =>
        {
            o.TimeProvider = clock;
            o.RetryBaseDelay = TimeSpan.FromSeconds(4);
            o.RetryMaxDelay = TimeSpan.FromSeconds(4);
        });

        // Even the shortest jittered backoff (2 s) ends past the 1 s deadline; the clock never moves.
        var error = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), deadline: clock.GetUtcNow().UtcDateTime.AddSeconds(1)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, ClientHarness.Count(logs, "Retry "));
        Assert.Equal(1, ClientHarness.Count(logs, "would pass the deadline"));
    }

    [Fact]
    public async Task PredictAsync_DeadlinePassesWhileQueued_DeadlineExceededAndNotRetried()
    {
        await using var slow = await SlowServer.StartAsync();
        var clock = new ObservedClock();
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [slow.Server.Target], o => o.TimeProvider = clock);

        var call = client.PredictAsync(Requests.Mimo([1, 2, 3, 4], ensembleSize: 1, model: "slow"), deadline: clock.GetUtcNow().UtcDateTime.AddSeconds(10));
        slow.WaitForQueue(1);
        clock.WaitForTimer(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(0, ClientHarness.Count(logs, "Retry "));
    }
}
