using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;
using Microsoft.Extensions.Logging.Abstractions;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>The mimo fixture served through a real batcher and the real session, on a clock the test moves.</summary>
internal sealed class TestModel
{
    private TestModel(ModelConfig config, TimeProvider time, string? failId, Action<TimeSpan>? sleeping, Func<IBatchRunner, IBatchRunner>? wrap)
    {
        var contract = Contracts.Mimo();
        // The run timeout's clock is the real one: a manual clock would never end a run.
        Runner = new CountingRunner(new OnnxBatchRunner(Fixtures.Mimo, "mimo", config.RunTimeout, TimeProvider.System), failId);
        var completion = new PlainCompletion("mimo", contract, time);
        Batcher = new ModelBatcher("mimo", contract, config, wrap is null ? Runner : wrap(Runner), completion, time, NullLogger.Instance)
        {
            Sleeping = sleeping,
        };
        // The session is shared by the tests and never disposed here: the tests stop the batcher, not the model.
        Model = new ServedModel("mimo", Fixtures.Path("mimo.onnx"), contract, config, Fixtures.Mimo, Batcher, time);
        Batcher.Start();
    }

    public CountingRunner Runner { get; }

    public ModelBatcher Batcher { get; }

    public ServedModel Model { get; }

    /// <param name="wrap">Wraps the counting runner (e.g. to make runs take time on the manual clock).</param>
    public static TestModel Start(ModelConfig config, TimeProvider time, string? failId = null, Action<TimeSpan>? sleeping = null, Func<IBatchRunner, IBatchRunner>? wrap = null) =>
        new(config, time, failId, sleeping, wrap);

    public static PredictInput Input(string id, int k, params float[] x) =>
        new() { Id = id, Shape = [4], Data = x, EnsembleSize = (uint)k, ReturnMembers = true };
}
