using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>Admission by deadline: the run-time estimate and the refusal of requests whose deadline the queue cannot meet.</summary>
public sealed class AdmissionTests
{
    // One k=3 request fills a run (max_rows_per_run 1, M = 3): each queued request is one run ahead.
    private static readonly ModelConfig OneRequestPerRun = new() { MaxRowsPerRun = 1, MaxQueueDelayMs = 1 };

    [Fact]
    public async Task RunEstimate_AfterWarmUpAndRuns_IsTheLastWarmUpRunThenAMovingAverage()
    {
        var time = new ManualTimeProvider();
        ClockedRunner? clocked = null;
        var model = TestModel.Start(OneRequestPerRun, time, wrap: r => clocked = new ClockedRunner(r, time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();

        Assert.Equal(TimeSpan.FromMilliseconds(10), model.Model.RunEstimate);

        clocked!.RunTime = TimeSpan.FromMilliseconds(20);
        var task = model.Model.PredictAsync(TestModel.Input("a", 3, 1, 2, 3, 4));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await task;

        // 10 + 0.2 × (20 − 10)
        Assert.Equal(TimeSpan.FromMilliseconds(12), model.Model.RunEstimate);
    }

    [Fact]
    public async Task Submit_DeadlineNearerThanTheRunsAhead_RefusedDeadlineExceededAtOnceAndNotQueued()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(OneRequestPerRun with { GatherWhenIdle = true }, time, wrap: r => new ClockedRunner(r, time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();
        // Two k=1 inputs wait (2 of the run's 3 slots: no run yet on the manual clock).
        var ahead = new[] { model.Model.PredictAsync(TestModel.Input("a1", 1, 1, 2, 3, 4)), model.Model.PredictAsync(TestModel.Input("a2", 1, 2, 2, 3, 4)) };

        // Runs for 2 + 3 slots: 2, each 10 ms: 20 ms, which may fill 3/4 of the time left: 26.7 ms.
        var error = Expect.Refused(() => model.Model.PredictAsync(TestModel.Input("late", 3, 1, 2, 3, 4), time.GetUtcNow().AddMilliseconds(26)));
        Assert.Equal(2, model.Batcher.QueueLength);
        var admitted = model.Model.PredictAsync(TestModel.Input("in-time", 3, 4, 3, 2, 1), time.GetUtcNow().AddMilliseconds(27));

        Assert.Equal(ServingErrorKind.DeadlineExceeded, error.Kind);
        Assert.Contains("Refused at admission", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 inputs are ahead, about 20 ms of runs, but the deadline is 26 ms away", error.Message, StringComparison.Ordinal);
        await Task.WhenAll(ahead);
        Expect.Served(await admitted, [4, 3, 2, 1], [0, 1, 2]);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task Submit_NothingAhead_AdmittedEvenWithADeadlineShorterThanARun()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(OneRequestPerRun, time, wrap: r => new ClockedRunner(r, time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();

        var task = model.Model.PredictAsync(TestModel.Input("alone", 3, 1, 2, 3, 4), time.GetUtcNow().AddMilliseconds(5));
        time.Advance(TimeSpan.FromMilliseconds(1));

        Expect.Served(await task, [1, 2, 3, 4], [0, 1, 2]);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task SubmitAll_LastItemWouldRunPastTheDeadline_RefusedAtOnceAndNoItemQueued()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(OneRequestPerRun, time, wrap: r => new ClockedRunner(r, time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();
        // Three k=3 items: three runs of 10 ms, which may fill 3/4 of the time left: 40 ms is needed, 39 is not enough.
        var input = Batch("three", 3, [1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2]);

        var error = Expect.Refused(() => model.Model.PredictBatchAsync(input, time.GetUtcNow().AddMilliseconds(39)));
        Assert.Equal(0, model.Batcher.QueueLength);
        var admitted = model.Model.PredictBatchAsync(input, time.GetUtcNow().AddMilliseconds(40));
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(ServingErrorKind.DeadlineExceeded, error.Kind);
        Assert.Contains("about 30 ms of runs", error.Message, StringComparison.Ordinal);
        var predictions = await admitted;
        Expect.Served(predictions[0], [1, 2, 3, 4], [0, 1, 2]);
        Expect.Served(predictions[2], [3, 4, 1, 2], [0, 1, 2]);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task SubmitAll_ItemsFitTheNextRunOfAnEmptyQueue_AdmittedEvenWithADeadlineShorterThanARun()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(OneRequestPerRun, time, wrap: r => new ClockedRunner(r, time, TimeSpan.FromMilliseconds(10)));
        model.Batcher.WarmUp();

        var task = model.Model.PredictBatchAsync(Batch("one-run", 1, [1, 2, 3, 4], [4, 3, 2, 1], [0, 1, 0, 1]), time.GetUtcNow().AddMilliseconds(5));
        time.Advance(TimeSpan.FromMilliseconds(1));

        var predictions = await task;
        Expect.Served(predictions[1], [4, 3, 2, 1], [1]);
        await model.Batcher.StopAsync();
    }

    private static MimmoServe.Serving.Requests.PredictInput Batch(string id, int k, params float[][] items) =>
        new() { Id = id, Shape = [items.Length, 4], Data = [.. items.SelectMany(x => x)], EnsembleSize = (uint)k, ReturnMembers = true };
}
