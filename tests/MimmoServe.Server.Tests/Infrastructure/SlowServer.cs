using Microsoft.Extensions.DependencyInjection;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// A server of its own whose model "slow" (the mimo fixture, gather_when_idle) waits a minute to fill a run: a request stays queued
/// until enough others arrive to fill <c>rows</c> rows of 3 slots, or until shutdown drains it. Tests that change or
/// stop the server use one each.
/// </summary>
internal sealed class SlowServer : IAsyncDisposable
{
    private readonly TestModels _models;

    private SlowServer(TestModels models, TestServer server)
    {
        _models = models;
        Server = server;
    }

    public TestServer Server { get; }

    public Serving.Repository.ServedModel Model => Server.Repository.Get("slow");

    /// <param name="clock">
    /// The server's clock when a test moves it itself (deadlines, the batch delay, request timings); null for the
    /// system's. On a clock that stands still the fast model's batch delay never ends either: such a test uses slow only.
    /// </param>
    public static async Task<SlowServer> StartAsync(int rows = 1, int queueSize = 1024, IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var models = new TestModels().Add("slow", TestModels.Fixture("mimo.onnx"), new { max_rows_per_run = rows, max_queue_delay_ms = 60000, gather_when_idle = true, queue_size = queueSize });
        models.Add("fast", TestModels.Fixture("mimo.onnx"));
        Action<IServiceCollection>? services = clock is null ? null : s => s.AddSingleton(clock);
        return new SlowServer(models, await TestServer.StartAsync(models.Directory, settings, services: services));
    }

    /// <summary>Waits (spinning, no sleep) until the slow model's queue holds <paramref name="count"/> inputs.</summary>
    public void WaitForQueue(int count)
    {
        var model = Model;
        Assert.True(SpinWait.SpinUntil(() => model.QueueLength == count, TimeSpan.FromSeconds(20)), $"queue length {model.QueueLength}, expected {count}");
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _models.Dispose();
    }
}
