using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Telemetry;
using MimmoServe.Serving.Tests.Batching;

namespace MimmoServe.Serving.Tests.Telemetry;

/// <summary>What the batcher records, on a clock the test moves: so queue times are exact.</summary>
public sealed class BatcherTelemetryTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly ServingMetrics _metrics = new();
    private readonly RecordedMeasurements _recorded;

    public BatcherTelemetryTests()
    {
        _recorded = new RecordedMeasurements(_metrics);
    }

    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public async Task Run_TwoInputsWaitTheDelay_QueueTimeRunSizeAndSlotFillRecorded()
    {
        var armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 4, MaxQueueDelayMs = 10, GatherWhenIdle = true }, _time,
            sleeping: d => { if (d != Timeout.InfiniteTimeSpan) { armed.TrySetResult(); } });
        model.Batcher.Metrics = _metrics;
        _metrics.Register(model.Model);

        var first = model.Model.PredictAsync(TestModel.Input("first", 1, 0.3f, 0.1f, 0.8f, 0.2f));
        await armed.Task;
        _time.Advance(TimeSpan.FromMilliseconds(4));
        var second = model.Model.PredictAsync(TestModel.Input("second", 1, 0.1f, 0.2f, 0.3f, 0.4f));
        _recorded.Observe();
        _time.Advance(TimeSpan.FromMilliseconds(6));
        await Task.WhenAll(first, second);
        _recorded.Observe();
        await model.Batcher.StopAsync();

        // The first waited the whole 10 ms delay, the second arrived 4 ms later; the manual clock stands still during the run.
        Assert.Equal([0.010, 0.006], _recorded.Of(TelemetryNames.QueueDuration).Select(m => Math.Round(m.Value, 9)));
        Assert.Equal([0.0, 0.0], _recorded.Of(TelemetryNames.ComputeDuration).Select(m => m.Value));
        Assert.Equal([2.0], _recorded.Of(TelemetryNames.RunInputs).Select(m => m.Value));
        Assert.Equal([1.0], _recorded.Of(TelemetryNames.RunRows).Select(m => m.Value));
        // One row of M = 3 slots, two of them given to the k = 1 inputs (the third holds an extra copy).
        Assert.Equal(2.0 / 3, Assert.Single(_recorded.Of(TelemetryNames.SlotFillRatio)).Value, 9);
        Assert.All(_recorded.Of(TelemetryNames.RunInputs), m => Assert.Equal("mimo", m.Tags[TelemetryNames.ModelTag]));
        Assert.Equal([2.0, 0.0], _recorded.Of(TelemetryNames.QueueDepth).Select(m => m.Value));
        Assert.All(_recorded.Of(TelemetryNames.ExecutionProvider), m => Assert.Equal(("mimo", "cpu", 1.0), (m.Tags[TelemetryNames.ModelTag], m.Tags[TelemetryNames.ProviderTag], m.Value)));
    }

    [Fact]
    public async Task Shed_QueueFullDeadlinePassedAndExpiredInQueue_EachCountedOnceWithItsReason()
    {
        var model = TestModel.Start(new ModelConfig { QueueSize = 2, MaxQueueDelayMs = 100, GatherWhenIdle = true }, _time);
        model.Batcher.Metrics = _metrics;
        var expiring = model.Model.PredictAsync(TestModel.Input("expiring", 1, 0, 0, 0, 0), _time.GetUtcNow().AddMilliseconds(50));
        var served = model.Model.PredictAsync(TestModel.Input("served", 1, 0, 0, 0, 0));

        Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("full", 1, 0, 0, 0, 0)));
        Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("late", 1, 0, 0, 0, 0), _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<Errors.ServingException>(() => expiring);
        await served;
        await model.Batcher.StopAsync();
        Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("stopped", 1, 0, 0, 0, 0)));

        var shed = _recorded.Of(TelemetryNames.Shed);
        Assert.Equal(["queue_full", "deadline", "deadline", "shutting_down"], shed.Select(m => m.Tags[TelemetryNames.ReasonTag]));
        Assert.All(shed, m => Assert.Equal((1.0, "mimo"), (m.Value, m.Tags[TelemetryNames.ModelTag])));
        Assert.Equal([1.0], _recorded.Of(TelemetryNames.RunInputs).Select(m => m.Value));
    }

    [Fact]
    public async Task Shed_RefusedAtAdmissionForItsDeadline_CountedAsDeadline()
    {
        // One k=3 input fills a run of 10 ms: with one queued ahead, the next needs 20 ms, 3/4 of the time left.
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 1, MaxQueueDelayMs = 1, GatherWhenIdle = true }, _time,
            wrap: r => new ClockedRunner(r, _time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();
        model.Batcher.Metrics = _metrics;
        var ahead = model.Model.PredictAsync(TestModel.Input("ahead", 1, 1, 2, 3, 4));

        var refused = Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("late", 3, 1, 2, 3, 4), _time.GetUtcNow().AddMilliseconds(26)));
        var admitted = model.Model.PredictAsync(TestModel.Input("in-time", 3, 1, 2, 3, 4), _time.GetUtcNow().AddMilliseconds(27));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(ahead, admitted);
        await model.Batcher.StopAsync();

        Assert.Equal(Errors.ServingErrorKind.DeadlineExceeded, refused.Kind);
        var shed = Assert.Single(_recorded.Of(TelemetryNames.Shed));
        Assert.Equal((1.0, "mimo", "deadline"), (shed.Value, shed.Tags[TelemetryNames.ModelTag], shed.Tags[TelemetryNames.ReasonTag]));
    }

    [Fact]
    public async Task Shed_ExpiredInQueue_CountedBeforeTheCallerSeesItsError()
    {
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 100, GatherWhenIdle = true }, _time);
        model.Batcher.Metrics = _metrics;
        Task? expiring = null;
        var completedWhenCounted = new List<bool>();
        _recorded.Recording = name =>
        {
            if (name == TelemetryNames.Shed)
            {
                completedWhenCounted.Add(expiring!.IsCompleted);
            }
        };

        expiring = model.Model.PredictAsync(TestModel.Input("expiring", 1, 0, 0, 0, 0), _time.GetUtcNow().AddMilliseconds(50));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<Errors.ServingException>(() => expiring);
        await model.Batcher.StopAsync();

        // A scrape that follows the caller's error finds the shed: it was counted while the request was still pending.
        Assert.Equal([false], completedWhenCounted);
    }
}
