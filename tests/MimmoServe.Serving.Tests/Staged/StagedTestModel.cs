using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;
using Microsoft.Extensions.Logging.Abstractions;

namespace MimmoServe.Serving.Tests.Staged;

/// <summary>The staged fixture (tests/fixtures/jeidnn/) served through a real batcher and its stage pipeline, on the real sessions.</summary>
internal sealed class StagedTestModel
{
    private StagedTestModel(ModelConfig config, TimeProvider time, Func<IBatchRunner, IBatchRunner>? wrap, Action<TimeSpan>? sleeping,
        Func<int, IStageRunner, IStageRunner>? wrapStage)
    {
        var contract = JeiFixture.Contract();
        // The run timeout's clock is the real one: a manual clock would never end a run.
        IBatchRunner runner = new OnnxBatchRunner(JeiFixture.First, "jei", config.RunTimeout, TimeProvider.System);
        Pipeline = new StagePipeline("jei", contract, JeiFixture.Stages, config, time, NullLogger.Instance, wrapStage) { Sleeping = sleeping };
        var completion = new StagedCompletion(Pipeline, contract);
        Batcher = new ModelBatcher("jei", contract, config, wrap is null ? runner : wrap(runner), completion, time, NullLogger.Instance);
        Model = new ServedModel("jei", JeiFixture.Path("model.onnx"), contract, config, JeiFixture.First, Batcher, time);
        Batcher.WarmUp();
        // Counted from here: warm-up ran rows through every stage (one per ensemble size, then one run per row count).
        Baseline = [.. Enumerable.Range(0, JeiFixture.Exits).Select(s => Batcher.StageRows(s)!.Value)];
        BaselineRuns = [.. Enumerable.Range(0, JeiFixture.Exits).Select(Batcher.StageRuns)];
        Batcher.Start();
    }

    public ModelBatcher Batcher { get; }

    /// <summary>The later stages.</summary>
    public StagePipeline Pipeline { get; }

    public ServedModel Model { get; }

    private long[] Baseline { get; }

    private long[] BaselineRuns { get; }

    /// <param name="wrapStage">Wraps the runner of a later stage s (e.g. to hold its runs).</param>
    public static StagedTestModel Start(ModelConfig config, TimeProvider time, Func<IBatchRunner, IBatchRunner>? wrap = null, Action<TimeSpan>? sleeping = null,
        Func<int, IStageRunner, IStageRunner>? wrapStage = null) =>
        new(config, time, wrap, sleeping, wrapStage);

    /// <summary>Rows run by stage s since warm-up.</summary>
    public long Rows(int stage) => Batcher.StageRows(stage)!.Value - Baseline[stage];

    /// <summary>Runs of stage s since warm-up.</summary>
    public long Runs(int stage) => Batcher.StageRuns(stage) - BaselineRuns[stage];

    public static PredictInput Input(string id, int k, string? exit, params float[] x) =>
        new() { Id = id, Shape = [4], Data = x, EnsembleSize = (uint)k, ExitPolicy = exit, ReturnMembers = true };
}
