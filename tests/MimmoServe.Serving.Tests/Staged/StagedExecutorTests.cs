using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Staged;

/// <summary>
/// The staged executor on the staged fixture (real ONNX Runtime sessions, one per stage): each input stops where its
/// policy says, is answered from that exit alone, and rows that go on are re-batched for the next stage.
/// </summary>
public sealed class StagedExecutorTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();

    // Gates are the item's first two values: exit 0 if x[0] >= 0.5, else exit 1 if x[1] >= 0.5, else exit 2.
    private static readonly float[] StopsAt0 = [0.9f, 0.1f, 0.4f, -0.4f];
    private static readonly float[] StopsAt1 = [0.2f, 0.8f, -0.3f, 0.5f];
    private static readonly float[] StopsAt2 = [0.1f, 0.3f, 0.9f, 0.2f];

    [Fact]
    public async Task Predict_AutoKAll_EachAnsweredFromTheFirstExitWhoseGateReachesTheThreshold()
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxQueueDelayMs = 0 }, _time);
        float[][] items = [StopsAt0, StopsAt1, StopsAt2];

        var predictions = new List<Prediction>();
        foreach (var (x, i) in items.Select((x, i) => (x, i)))
        {
            predictions.Add(await model.Model.PredictAsync(StagedTestModel.Input($"r{i}", 3, "auto", x)).WaitAsync(Guard));
        }

        for (var i = 0; i < items.Length; i++)
        {
            var exit = JeiFixture.AutoExit(items[i]);
            Assert.Equal(i, exit);
            AnsweredAt(predictions[i], items[i], exit, [0, 1, 2]);
        }

        // One row each at stage 0; the rows of the two that went on at stage 1; one at stage 2.
        Assert.Equal([3L, 2L, 1L], Enumerable.Range(0, 3).Select(model.Rows));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_DefaultPolicyOfAStagedModel_IsAuto()
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxQueueDelayMs = 0 }, _time);

        var prediction = await model.Model.PredictAsync(StagedTestModel.Input("a", 3, null, StopsAt0)).WaitAsync(Guard);

        Assert.Equal(MimmoServe.Serving.Requests.ExitPolicy.Auto, model.Model.DefaultExitPolicy);
        AnsweredAt(prediction, StopsAt0, 0, [0, 1, 2]);
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_Full_EveryInputAnsweredFromTheLastExit()
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxQueueDelayMs = 0, ExitPolicy = MimmoServe.Serving.Requests.ExitPolicy.Auto }, _time);

        foreach (var x in new[] { StopsAt0, StopsAt1, StopsAt2 })
        {
            AnsweredAt(await model.Model.PredictAsync(StagedTestModel.Input("full", 3, "full", x)).WaitAsync(Guard), x, 2, [0, 1, 2]);
        }

        Assert.Equal([3L, 3L, 3L], Enumerable.Range(0, 3).Select(model.Rows));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Theory]
    [InlineData("0.35")]
    [InlineData("0.5")]
    [InlineData("0.9")]
    [InlineData("1")]
    public async Task Predict_Threshold_AnsweredFromTheFirstExitConfidentEnough(string threshold)
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxQueueDelayMs = 0 }, _time);
        var t = double.Parse(threshold, System.Globalization.CultureInfo.InvariantCulture);
        float[][] items = [StopsAt0, StopsAt1, StopsAt2, [2.5f, -1f, 0f, 0f], [0f, 0f, 0f, 0f]];

        var exits = new HashSet<int>();
        foreach (var x in items)
        {
            var prediction = await model.Model.PredictAsync(StagedTestModel.Input("t", 3, threshold, x)).WaitAsync(Guard);
            var exit = JeiFixture.ThresholdExit(x, t);
            AnsweredAt(prediction, x, exit, [0, 1, 2]);
            exits.Add(exit);
        }

        // The thresholds are chosen so that the items leave at more than one exit, except t = 1 (never reached).
        Assert.True(t == 1 ? exits.SetEquals([2]) : exits.Count > 1, $"exits {string.Join(", ", exits)}");
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_KOneRowMixingExits_EachFromItsOwnExitAndTheRowRunsUntilTheLastStops()
    {
        // One row per run, waiting for its three inputs: the three share a row, in slots 0, 1, 2.
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 1, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time);

        var tasks = new[] { StopsAt2, StopsAt0, StopsAt1 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"s{i}", 1, "auto", x))).ToArray();
        var predictions = await Task.WhenAll(tasks).WaitAsync(Guard);

        AnsweredAt(predictions[0], StopsAt2, 2, [0]);
        AnsweredAt(predictions[1], StopsAt0, 0, [1]);
        AnsweredAt(predictions[2], StopsAt1, 1, [2]);
        Assert.Equal([1L, 1L, 1L], Enumerable.Range(0, 3).Select(model.Rows));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_GatherWhenIdleRowsFromTwoStageZeroRuns_RunTogetherInOneStageOneRun()
    {
        HeldRunner held = null!;
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time,
            wrap: runner => held = new HeldRunner(runner, 2));
        held.Arm();

        // Two full stage-0 runs of two rows each; in each, one input stops at exit 0 and one goes on to exit 1.
        var tasks = new[] { StopsAt1, StopsAt0, StopsAt1, StopsAt0 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"r{i}", 3, "auto", x))).ToArray();
        await held.AllHeld.WaitAsync(Guard);
        held.Release();
        var predictions = await Task.WhenAll(tasks).WaitAsync(Guard);

        // The clock never moves: stage 1 ran because its two rows, one from each stage-0 run, filled its run.
        Assert.Equal([1, 0, 1, 0], predictions.Select(p => p.Exit));
        Assert.Equal((2L, 1L), (model.Runs(0), model.Runs(1)));
        Assert.Equal((4L, 2L, 0L), (model.Rows(0), model.Rows(1), model.Rows(2)));
        Assert.All(predictions.Where(p => p.Exit == 1), p => Assert.Equal((2, 2), (p.Timing.BatchRows, p.Timing.BatchRequests)));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_GatherWhenIdleLoneRowWhileStageZeroHasQueuedWork_WaitsForTheDelayThenRuns()
    {
        HeldRunner held = null!;
        var asleep = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = 50, GatherWhenIdle = true }, _time,
            wrap: runner => held = new HeldRunner(runner, 1),
            sleeping: d =>
            {
                if (d != Timeout.InfiniteTimeSpan)
                {
                    asleep.TrySetResult(d);
                }
            });
        held.Arm();

        // A full stage-0 run (held) whose first input goes on alone; then a request that waits in stage 0's queue.
        var first = model.Model.PredictAsync(StagedTestModel.Input("goes-on", 3, "auto", StopsAt1));
        var partner = model.Model.PredictAsync(StagedTestModel.Input("stops", 3, "auto", StopsAt0));
        await held.AllHeld.WaitAsync(Guard);
        var queued = model.Model.PredictAsync(StagedTestModel.Input("queued", 3, "auto", StopsAt0));
        held.Release();
        await partner.WaitAsync(Guard);

        // Stage 1 holds one row of two while stage 0 has work: it sleeps for the delay rather than run half empty.
        Assert.Equal(TimeSpan.FromMilliseconds(50), await asleep.Task.WaitAsync(Guard));
        Assert.False(first.IsCompleted);
        Assert.Equal(0, model.Runs(1));
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(1, (await first.WaitAsync(Guard)).Exit);
        Assert.Equal(0, (await queued.WaitAsync(Guard)).Exit);
        Assert.Equal((1L, 1L), (model.Runs(1), model.Rows(1)));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_LoneRequestWithRunnersFree_EveryStageRunsAtOnceWithoutTheClockMoving()
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds }, _time);

        var prediction = await model.Model.PredictAsync(StagedTestModel.Input("lone", 3, "auto", StopsAt2)).WaitAsync(Guard);

        AnsweredAt(prediction, StopsAt2, 2, [0, 1, 2]);
        Assert.Equal(0, prediction.Timing.QueueMicroseconds);
        Assert.Equal([1L, 1L, 1L], Enumerable.Range(0, 3).Select(model.Runs));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Predict_EveryStageOneRunnerBusy_RowsFromSeveralStageZeroRunsGatherIntoFullStageOneRuns()
    {
        HeldStageRunner held = null!;
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds }, _time,
            wrapStage: (stage, runner) => stage == 1 ? held = new HeldStageRunner(runner, StagePipeline.RunsAtOncePerStage) : runner);
        held.Arm();

        // Two rows, one at a time, so that each takes a stage-1 runner of its own, where it is held.
        var busy = new List<Task<Prediction>>();
        for (var i = 0; i < StagePipeline.RunsAtOncePerStage; i++)
        {
            busy.Add(model.Model.PredictAsync(StagedTestModel.Input($"busy{i}", 3, "auto", StopsAt1)));
            Assert.True(SpinWait.SpinUntil(() => held.Entered == i + 1, Guard));
        }

        // Stage 0 has runners free: three rows reach stage 1 at once and wait there, a full set and one being filled.
        var gathered = Enumerable.Range(0, 3).Select(i => model.Model.PredictAsync(StagedTestModel.Input($"g{i}", 3, "auto", StopsAt1))).ToArray();
        Assert.True(SpinWait.SpinUntil(() => model.Pipeline.WaitingRows == 3, Guard));
        Assert.Equal(0, model.Runs(1));
        held.Release();
        var predictions = await Task.WhenAll(gathered).WaitAsync(Guard);
        await Task.WhenAll(busy).WaitAsync(Guard);

        // The clock never moved: stage 1 ran the rows that gathered as soon as its runners were free, up to a full set.
        Assert.All(predictions, p => Assert.Equal(1, p.Exit));
        Assert.Equal([1, 2, 2], predictions.Select(p => p.Timing.BatchRows).Order());
        Assert.Equal((4L, 5L), (model.Runs(1), model.Rows(1)));
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task StopAsync_RowsWaitingForALaterStage_AllAnswered()
    {
        HeldRunner held = null!;
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time,
            wrap: runner => held = new HeldRunner(runner, 1));
        held.Arm();
        using var cancel = new CancellationTokenSource();

        // Run A (held) and run B: B's row that goes on waits for stage 1, as A is still running.
        var a = new[] { StopsAt2, StopsAt0 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"a{i}", 3, "auto", x), cancellationToken: cancel.Token)).ToArray();
        await held.AllHeld.WaitAsync(Guard);
        var b = new[] { StopsAt2, StopsAt0 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"b{i}", 3, "auto", x), cancellationToken: cancel.Token)).ToArray();
        await b[1].WaitAsync(Guard);
        Assert.Equal(1, model.Pipeline.WaitingRows);

        // A cancelled token no longer drops a request that is running: it is answered all the same.
        await cancel.CancelAsync();
        var stopped = model.Batcher.StopAsync();
        held.Release();
        await stopped.WaitAsync(Guard);

        var predictions = await Task.WhenAll(a.Concat(b)).WaitAsync(Guard);
        Assert.Equal([2, 0, 2, 0], predictions.Select(p => p.Exit));
        Assert.Equal(0, model.Pipeline.WaitingRows);
    }

    [Fact]
    public async Task Abort_RowsWaitingForALaterStage_FailUnavailableAndNothingHangs()
    {
        HeldRunner held = null!;
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 2, MaxQueueDelayMs = Long.TotalMilliseconds, GatherWhenIdle = true }, _time,
            wrap: runner => held = new HeldRunner(runner, 1));
        held.Arm();
        var a = new[] { StopsAt2, StopsAt0 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"a{i}", 3, "auto", x))).ToArray();
        await held.AllHeld.WaitAsync(Guard);
        var b = new[] { StopsAt2, StopsAt0 }.Select((x, i) => model.Model.PredictAsync(StagedTestModel.Input($"b{i}", 3, "auto", x))).ToArray();
        await b[1].WaitAsync(Guard);

        var stopped = model.Batcher.StopAsync();
        var failed = model.Batcher.Abort();

        // b0 waited for stage 1; a's run was stopped by the abort token while held.
        Assert.Equal(1, failed);
        await stopped.WaitAsync(Guard);
        foreach (var task in new[] { a[0], a[1], b[0] })
        {
            var error = await Assert.ThrowsAsync<ServingException>(() => task.WaitAsync(Guard));
            Assert.Equal(ServingErrorKind.Unavailable, error.Kind);
        }

        Assert.Equal(0, model.Pipeline.WaitingRows);
    }

    [Fact]
    public async Task Predict_ManyConcurrentMixedRequests_EachAnsweredFromItsOwnItemsExit()
    {
        // Real time, small runs: rows from many stage-0 runs meet in the later stages, concurrently with new ones.
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 4, MaxQueueDelayMs = 1 }, TimeProvider.System);
        var random = new Random(9);
        string[] policies = ["auto", "full", "0.4", "0.6", null!];
        var requests = Enumerable.Range(0, 600).Select(i =>
        {
            float[] x = [(float)random.NextDouble(), (float)random.NextDouble(), (float)((random.NextDouble() * 2) - 1), (float)((random.NextDouble() * 2) - 1)];
            return (Id: $"m{i}", X: x, K: random.Next(2) == 0 ? 1 : 3, Policy: policies[random.Next(policies.Length)]);
        }).ToArray();

        var tasks = requests.Select(r => Task.Run(() => model.Model.PredictAsync(StagedTestModel.Input(r.Id, r.K, r.Policy, r.X)))).ToArray();
        var predictions = await Task.WhenAll(tasks).WaitAsync(Guard);

        // Every copy of an input in its row holds the same item, so its exit and answer depend on the item alone.
        foreach (var (r, prediction) in requests.Zip(predictions))
        {
            var exit = r.Policy switch
            {
                "full" => JeiFixture.Exits - 1,
                "auto" or null => JeiFixture.AutoExit(r.X),
                _ => JeiFixture.ThresholdExit(r.X, double.Parse(r.Policy, System.Globalization.CultureInfo.InvariantCulture)),
            };
            Assert.Equal((r.Id, exit), (prediction.Id, prediction.Exit));
            var expected = JeiFixture.Probabilities(r.X, exit);
            Assert.All(Enumerable.Range(0, JeiFixture.Classes), k => Assert.Equal(expected[k], prediction.Probabilities[k], Expect.Tolerance));
            Assert.Equal(JeiFixture.PredictionSet(r.X, exit, r.K), prediction.PredictionSet);
        }

        Assert.True(model.Rows(1) < model.Rows(0) && model.Rows(2) < model.Rows(1), $"rows per stage {model.Rows(0)}, {model.Rows(1)}, {model.Rows(2)}");
        await model.Batcher.StopAsync().WaitAsync(Guard);
        Assert.Equal(0, model.Pipeline.WaitingRows);
    }

    /// <summary>The prediction is p_e of item <paramref name="x"/> over <paramref name="slots"/> at exit <paramref name="exit"/> alone.</summary>
    private static void AnsweredAt(Prediction prediction, float[] x, int exit, int[] slots)
    {
        var expected = JeiFixture.Probabilities(x, exit);
        Assert.Equal(exit, prediction.Exit);
        Assert.Equal(JeiFixture.ComputeShare(exit), prediction.ComputeShare, 1e-6);
        Assert.Equal(slots.Length, prediction.Members);
        for (var k = 0; k < JeiFixture.Classes; k++)
        {
            Assert.Equal(expected[k], prediction.Probabilities[k], Expect.Tolerance);
        }

        Assert.Equal(Array.IndexOf(expected, expected.Max()), prediction.ClassIndex);
        // Every member is the same item at the same exit: no disagreement, entropy all aleatoric.
        Assert.Equal(0, prediction.Uncertainty.MutualInformation, Expect.Tolerance);
        Assert.Equal(1, prediction.Uncertainty.Agreement, Expect.Tolerance);
        Assert.Equal(slots, prediction.MemberPredictions.Select(m => m.Slot));
        Assert.All(prediction.MemberPredictions, m => Assert.Equal((exit, 1f / slots.Length), (m.Exit, m.Weight)));
        // The conformal set of its size k (here the slots it was given) at that exit.
        Assert.Equal(JeiFixture.PredictionSet(x, exit, slots.Length), prediction.PredictionSet);
    }
}
