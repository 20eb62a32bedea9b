using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Tests.Staged;

namespace MimmoServe.Serving.Tests.Batching;

public sealed class ModelBatcherTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public async Task Submit_GatherWhenIdleAndEnoughInputsToFillTheRows_RunsAtOnceWithoutWaitingForTheDelay()
    {
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time);

        var tasks = Enumerable.Range(0, 6).Select(i => model.Model.PredictAsync(TestModel.Input($"r{i}", 1, 0.1f * i, 0.5f, 0.2f, 0.9f))).ToArray();
        var predictions = await Task.WhenAll(tasks);

        Assert.Equal(1, model.Runner.Runs);
        Assert.All(predictions, p => Assert.Equal((2, 6, 1), (p.Timing.BatchRows, p.Timing.BatchRequests, p.Members)));
        Assert.All(predictions, p => Assert.Equal(0, p.Timing.QueueMicroseconds));
        Assert.Equal(["r0", "r1", "r2", "r3", "r4", "r5"], predictions.Select(p => p.Id));
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task Submit_GatherWhenIdleAndFewInputs_RunsWhenTheOldestHasWaitedTheDelay()
    {
        var armed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 4, MaxQueueDelayMs = 10, GatherWhenIdle = true }, _time,
            sleeping: d => { if (d != Timeout.InfiniteTimeSpan) { armed.TrySetResult(d); } });

        var task = model.Model.PredictAsync(TestModel.Input("only", 1, 0.3f, 0.1f, 0.8f, 0.2f));
        Assert.Equal(TimeSpan.FromMilliseconds(10), await armed.Task);
        _time.Advance(TimeSpan.FromMilliseconds(9.999));

        // The loop sleeps on a timer that has not fired: nothing can have run.
        Assert.False(task.IsCompleted);
        Assert.Equal(0, model.Runner.Runs);

        _time.Advance(TimeSpan.FromMilliseconds(0.001));
        var prediction = await task;

        Assert.Equal(1, model.Runner.Runs);
        Assert.Equal(10_000, prediction.Timing.QueueMicroseconds);
        Assert.Equal((1, 1), (prediction.Timing.BatchRows, prediction.Timing.BatchRequests));
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task Submit_LoneRequestWithARunnerFree_RunsAtOnceWithoutTheClockMoving()
    {
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 4, MaxQueueDelayMs = Long.TotalMilliseconds }, _time);

        var prediction = await model.Model.PredictAsync(TestModel.Input("lone", 1, 0.3f, 0.1f, 0.8f, 0.2f)).WaitAsync(Guard);

        Assert.Equal(1, model.Runner.Runs);
        Assert.Equal(0, prediction.Timing.QueueMicroseconds);
        Assert.Equal((1, 1), (prediction.Timing.BatchRows, prediction.Timing.BatchRequests));
        Expect.Served(prediction, [0.3f, 0.1f, 0.8f, 0.2f], [0, 1, 2]);
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Submit_EveryRunnerBusy_InputsGatherAndRunInFullRunsWhenARunnerIsFree()
    {
        HeldRunner held = null!;
        // A run holds two k = 3 inputs.
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds }, _time,
            wrap: runner => held = new HeldRunner(runner, ModelBatcher.RunnerCount));
        held.Arm();

        // One at a time, so that each takes a runner of its own, where it is held.
        var busy = new List<Task<Prediction>>();
        for (var i = 0; i < ModelBatcher.RunnerCount; i++)
        {
            busy.Add(model.Model.PredictAsync(TestModel.Input($"busy{i}", 3, 0.1f * i, 0.2f, 0.3f, 0.4f)));
            Assert.True(SpinWait.SpinUntil(() => model.Batcher.QueueLength == 0, Guard));
        }

        await held.AllHeld.WaitAsync(Guard);
        var gathered = Enumerable.Range(0, 5).Select(i => model.Model.PredictAsync(TestModel.Input($"g{i}", 3, 0.1f * i, 0.5f, 0.2f, 0.9f))).ToArray();
        Assert.Equal(5, model.Batcher.QueueLength);
        held.Release();
        var predictions = await Task.WhenAll(gathered).WaitAsync(Guard);
        await Task.WhenAll(busy).WaitAsync(Guard);

        // The clock never moved: each free runner took what had gathered, in arrival order, up to a full run.
        Assert.Equal([2, 2, 2, 2, 1], predictions.Select(p => p.Timing.BatchRequests));
        Assert.Equal(ModelBatcher.RunnerCount + 3, model.Runner.Runs);
        for (var i = 0; i < predictions.Length; i++)
        {
            Expect.Served(predictions[i], [0.1f * i, 0.5f, 0.2f, 0.9f], [0, 1, 2]);
        }

        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Submit_QueueFull_ResourceExhaustedAtOnce()
    {
        // Gathering while idle, so that the queue fills while the clock stands still.
        var model = TestModel.Start(new ModelConfig { QueueSize = 2, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time);
        var queued = new[] { model.Model.PredictAsync(TestModel.Input("a", 1, 0, 0, 0, 0)), model.Model.PredictAsync(TestModel.Input("b", 1, 0, 0, 0, 0)) };

        var error = Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("c", 1, 0, 0, 0, 0)));

        Assert.Equal(ServingErrorKind.ResourceExhausted, error.Kind);
        Assert.Contains("2 inputs waiting", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, model.Batcher.QueueLength);
        await model.Batcher.StopAsync();
        Assert.All(await Task.WhenAll(queued), p => Assert.Equal(2, p.Timing.BatchRequests));
        Assert.Equal(1, model.Runner.Runs);
    }

    [Fact]
    public async Task Submit_CancelledAndExpiredWhileQueued_DroppedAndNeverRun()
    {
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 100, GatherWhenIdle = true }, _time);
        using var cancel = new CancellationTokenSource();
        var cancelled = model.Model.PredictAsync(TestModel.Input("cancelled", 3, 0.1f, 0.2f, 0.3f, 0.4f), cancellationToken: cancel.Token);
        var expired = model.Model.PredictAsync(TestModel.Input("expired", 3, 0.1f, 0.2f, 0.3f, 0.4f), _time.GetUtcNow().AddMilliseconds(50));
        var precancelled = model.Model.PredictAsync(TestModel.Input("precancelled", 3, 0, 0, 0, 0), cancellationToken: new CancellationToken(canceled: true));
        var served = model.Model.PredictAsync(TestModel.Input("served", 3, 0.1f, 0.2f, 0.3f, 0.4f), _time.GetUtcNow().AddMilliseconds(500));

        await cancel.CancelAsync();
        Assert.Equal(ServingErrorKind.Cancelled, (await Assert.ThrowsAsync<ServingException>(() => cancelled)).Kind);
        Assert.Equal(ServingErrorKind.Cancelled, (await Assert.ThrowsAsync<ServingException>(() => precancelled)).Kind);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(ServingErrorKind.DeadlineExceeded, (await Assert.ThrowsAsync<ServingException>(() => expired)).Kind);
        var prediction = await served;
        Assert.Equal(1, prediction.Timing.BatchRequests);
        Assert.Equal((1, 1), (model.Runner.Runs, model.Runner.RequestsRun));
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task PredictAsync_DeadlineAlreadyPassed_RefusedAtOnceAndNotQueued()
    {
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 1 }, _time);

        var error = Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("late", 1, 0, 0, 0, 0), _time.GetUtcNow()));

        Assert.Equal(ServingErrorKind.DeadlineExceeded, error.Kind);
        Assert.Equal(0, model.Batcher.QueueLength);
        await model.Batcher.StopAsync();
        Assert.Equal(0, model.Runner.Runs);
    }

    [Fact]
    public async Task Run_Fails_FailsOnlyThatBatchsRequests()
    {
        // One row per run and k = 3: every input fills a run by itself, in arrival order.
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 1, MaxQueueDelayMs = Long.TotalMilliseconds }, _time, failId: "r1");
        var tasks = Enumerable.Range(0, 3).Select(i => model.Model.PredictAsync(TestModel.Input($"r{i}", 3, 0.2f * i, 0.1f, 0.4f, 0.3f))).ToArray();

        var failed = await Assert.ThrowsAsync<ServingException>(() => tasks[1]);
        var first = await tasks[0];
        var third = await tasks[2];

        Assert.Equal(ServingErrorKind.Internal, failed.Kind);
        Assert.Contains("injected failure of the run holding r1", failed.Message, StringComparison.Ordinal);
        Expect.Served(first, [0f, 0.1f, 0.4f, 0.3f], [0, 1, 2]);
        Expect.Served(third, [0.4f, 0.1f, 0.4f, 0.3f], [0, 1, 2]);
        Assert.Equal(3, model.Runner.Runs);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task StopAsync_QueuedRequests_RunThemAndRefuseNewOnes()
    {
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = Long.TotalMilliseconds }, _time);
        var tasks = Enumerable.Range(0, 4).Select(i => model.Model.PredictAsync(TestModel.Input($"r{i}", 2, 0.1f * i, 0, 1, 0))).ToArray();

        var stopped = model.Batcher.StopAsync();
        var error = Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("late", 1, 0, 0, 0, 0)));
        await stopped;

        Assert.Equal(ServingErrorKind.Unavailable, error.Kind);
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(4, model.Runner.RequestsRun);
    }

    [Fact]
    public async Task Submit_MixedSizes_PacksByReplicationAndFillsFreeSlotsWithCopies()
    {
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = 5, GatherWhenIdle = true }, _time);
        float[] a = [0.9f, 0.1f, 0.2f, 0.3f], b = [0.1f, 0.8f, 0.3f, 0.2f], c = [0.2f, 0.2f, 0.7f, 0.1f], d = [0.3f, 0.4f, 0.1f, 0.6f];

        // Row 0: a (k=1) in [0], b (k=2) in [1,2]. Row 1: c (k=1) in [0] plus copies in [1] and [2].
        // d (k=3) no longer fits in two rows: it goes into the next run, alone, in [0,1,2].
        var ta = model.Model.PredictAsync(TestModel.Input("a", 1, a));
        var tb = model.Model.PredictAsync(TestModel.Input("b", 2, b));
        var tc = model.Model.PredictAsync(TestModel.Input("c", 1, c));
        var td = model.Model.PredictAsync(TestModel.Input("d", 3, d));
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var (pa, pb, pc) = (await ta, await tb, await tc);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var pd = await td;

        Assert.Equal([0], Expect.Slots(pa));
        Assert.Equal([1, 2], Expect.Slots(pb));
        Assert.Equal([0, 1, 2], Expect.Slots(pc));
        Assert.Equal([0, 1, 2], Expect.Slots(pd));
        Assert.Equal((1, 2, 1, 3), (pa.EnsembleSize, pb.EnsembleSize, pc.EnsembleSize, pd.EnsembleSize));
        Assert.Equal((2, 3), (pa.Timing.BatchRows, pa.Timing.BatchRequests));
        Assert.Equal((1, 1), (pd.Timing.BatchRows, pd.Timing.BatchRequests));
        Expect.Served(pa, a, [0]);
        Expect.Served(pb, b, [1, 2]);
        Expect.Served(pc, c, [0, 1, 2]);
        Expect.Served(pd, d, [0, 1, 2]);
        Assert.Equal(2, model.Runner.Runs);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task Submit_BadRequest_RefusedBeforeQueueingAndNeverReachesABatch()
    {
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 1, GatherWhenIdle = true }, _time);
        var good = model.Model.PredictAsync(TestModel.Input("good", 1, 0.5f, 0.5f, 0.5f, 0.5f));

        Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("nan", 1, 0.5f, float.NaN, 0.5f, 0.5f)));
        Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("k4", 4, 0.5f, 0.5f, 0.5f, 0.5f)));
        Assert.Equal(1, model.Batcher.QueueLength);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var prediction = await good;

        Assert.Equal(1, prediction.Timing.BatchRequests);
        Assert.Equal(1, model.Runner.RequestsRun);
        Expect.Served(prediction, [0.5f, 0.5f, 0.5f, 0.5f], [0, 1, 2]);
        await model.Batcher.StopAsync();
    }
}
