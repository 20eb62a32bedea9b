using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;
using Microsoft.Extensions.Logging.Abstractions;

namespace MimmoServe.Serving.Tests.Batching;

/// <summary>The mimo fixture served through a real batcher and the real session, on a clock the test moves.</summary>
internal sealed class TestModel
{
    private TestModel(ModelConfig config, TimeProvider time, string? failId, Action<TimeSpan>? sleeping)
    {
        var contract = Contracts.Mimo();
        Runner = new CountingRunner(new OnnxBatchRunner(Fixtures.Mimo), failId);
        Batcher = new ModelBatcher("mimo", contract, config, Runner, time, NullLogger.Instance) { Sleeping = sleeping };
        // The session is shared by the tests and never disposed here: the tests stop the batcher, not the model.
        Model = new ServedModel("mimo", Fixtures.Path("mimo.onnx"), contract, config, Fixtures.Mimo, Batcher, time);
        Batcher.Start();
    }

    public CountingRunner Runner { get; }

    public ModelBatcher Batcher { get; }

    public ServedModel Model { get; }

    public static TestModel Start(ModelConfig config, TimeProvider time, string? failId = null, Action<TimeSpan>? sleeping = null) =>
        new(config, time, failId, sleeping);

    public static PredictInput Input(string id, int k, params float[] x) =>
        new() { Id = id, Shape = [4], Data = x, EnsembleSize = (uint)k, ReturnMembers = true };
}
