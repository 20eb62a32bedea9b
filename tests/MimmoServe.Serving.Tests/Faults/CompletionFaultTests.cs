using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Telemetry;
using MimmoServe.Serving.Tests.Batching;
using MimmoServe.Serving.Tests.Staged;
using MimmoServe.Serving.Tests.Telemetry;

namespace MimmoServe.Serving.Tests.Faults;

/// <summary>
/// An exception thrown after ONNX Runtime has run a batch (here by a broken metrics listener while the run is recorded)
/// must neither lose the run's buffer set nor leave its requests waiting: they fail, and the model keeps serving.
/// A model has two buffer sets (and two runs per later stage): before the fix, two such faults hung it for good.
/// </summary>
public sealed class CompletionFaultTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly ManualTimeProvider _time = new();
    private readonly ServingMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public async Task Run_RecordingThrowsAfterTwoRuns_RequestsFailInternalAndTheModelStillServes()
    {
        // One k = 3 input fills a run: each request is one run.
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 1, MaxQueueDelayMs = 0 }, _time);
        model.Batcher.Metrics = _metrics;
        using var broken = new ThrowingMeasurements(_metrics, TelemetryNames.RunRows, times: 2);

        for (var i = 0; i < 2; i++)
        {
            var task = model.Model.PredictAsync(TestModel.Input($"lost{i}", 3, 0.1f, 0.2f, 0.3f, 0.4f));
            var error = await Assert.ThrowsAsync<ServingException>(() => task.WaitAsync(Guard));
            Assert.Equal(ServingErrorKind.Internal, error.Kind);
            Assert.Contains("injected failure of a metrics listener", error.Message, StringComparison.Ordinal);
        }

        var after = await model.Model.PredictAsync(TestModel.Input("after", 3, 0.4f, 0.3f, 0.2f, 0.1f)).WaitAsync(Guard);

        Assert.Equal(2, broken.Thrown);
        Expect.Served(after, [0.4f, 0.3f, 0.2f, 0.1f], [0, 1, 2]);
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task RunStage_RecordingThrowsAfterTwoStageOneRuns_RequestsFailInternalAndStageOneStillServes()
    {
        var model = StagedTestModel.Start(new ModelConfig { MaxRowsPerRun = 1, MaxQueueDelayMs = 0 }, _time);
        model.Batcher.Metrics = _metrics;
        using var broken = new ThrowingMeasurements(_metrics, TelemetryNames.StageRows, times: 2, TelemetryNames.StageTag, "1");
        float[] stopsAt1 = [0.2f, 0.8f, -0.3f, 0.5f];

        for (var i = 0; i < 2; i++)
        {
            var task = model.Model.PredictAsync(StagedTestModel.Input($"lost{i}", 3, "auto", stopsAt1));
            var error = await Assert.ThrowsAsync<ServingException>(() => task.WaitAsync(Guard));
            Assert.Equal(ServingErrorKind.Internal, error.Kind);
        }

        var after = await model.Model.PredictAsync(StagedTestModel.Input("after", 3, "auto", stopsAt1)).WaitAsync(Guard);

        Assert.Equal(2, broken.Thrown);
        Assert.Equal(1, after.Exit);
        await model.Batcher.StopAsync().WaitAsync(Guard);
    }
}
