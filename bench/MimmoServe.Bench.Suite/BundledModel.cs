using System.Text.Json;
using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Bench.Suite;

/// <summary>One model of the models folder: its contract, its serving config and its evaluation row per k.</summary>
internal sealed record BundledModel(string Name, string Path, ModelContract Contract, ModelConfig Config, IReadOnlyDictionary<int, ModelQuality> Quality)
{
    /// <summary>Inputs one row carries when each takes k slots: the server packs floor(M / k) groups into a row.</summary>
    public int InputsPerRow(int k) => Contract.Slots / k;

    /// <summary>A staged (early-exit) model: <c>model.onnx</c> is stage 0 of several files (<c>mimmo.stages</c>, models/CONTRACT.md).</summary>
    public bool IsStaged => Contract.Stages is not null;

    public static BundledModel Load(OnnxRuntime runtime, string folder)
    {
        var path = System.IO.Path.Combine(folder, "model.onnx");
        var configPath = System.IO.Path.Combine(folder, ModelConfig.FileName);
        var config = File.Exists(configPath) ? ModelConfigReader.ReadFile(configPath) : new ModelConfig();
        using var session = runtime.CreateSession(path, SessionOptions(config));
        var contract = ContractReader.Read(session);
        return new BundledModel(System.IO.Path.GetFileName(folder), path, contract, config, ReadQuality(contract.Metrics));
    }

    /// <summary>The session options the server gives this model (ModelRepository): its provider and threads.</summary>
    public static OnnxSessionOptions SessionOptions(ModelConfig config) => new()
    {
        ExecutionProvider = config.ExecutionProvider,
        IntraOpThreads = ModelConfig.IntraOpThreadsFor(config.IntraOpThreads, Environment.ProcessorCount),
        InterOpThreads = config.InterOpThreads,
    };

    /// <summary><c>mimmo.metrics</c>: <c>{"k": {"3": {"accuracy": .., "nll": ..}, ..}}</c>; empty when absent.</summary>
    private static Dictionary<int, ModelQuality> ReadQuality(string metrics)
    {
        var quality = new Dictionary<int, ModelQuality>();
        if (string.IsNullOrWhiteSpace(metrics))
        {
            return quality;
        }

        using var document = JsonDocument.Parse(metrics);
        if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("k", out var byK))
        {
            foreach (var entry in byK.EnumerateObject())
            {
                if (int.TryParse(entry.Name, out var k) && entry.Value.TryGetProperty("accuracy", out var accuracy) && entry.Value.TryGetProperty("nll", out var nll))
                {
                    quality[k] = new ModelQuality(accuracy.GetDouble(), nll.GetDouble());
                }
            }
        }

        return quality;
    }
}
