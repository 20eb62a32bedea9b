using MimmoServe.Onnx;

namespace MimmoServe.Serving.Repository;

/// <summary>Where the models are and the server-wide overrides. Validated when the repository loads.</summary>
public sealed class ModelRepositoryOptions
{
    public const string DefaultDirectory = "models";

    /// <summary>The folder holding <c>&lt;name&gt;/model.onnx</c>. Default "models" (relative to the working directory).</summary>
    public string Directory { get; set; } = DefaultDirectory;

    /// <summary>The model answering requests that name none. Default null: the first loaded model by name (ordinal).</summary>
    public string? DefaultModel { get; set; }

    /// <summary>A provider for every model, overriding each config.json (the host's --provider). Default null: each model's own.</summary>
    public ExecutionProvider? ExecutionProvider { get; set; }

    /// <summary>ONNX Runtime intra-op threads for every model, overriding each config.json (the host's Mimmo:IntraOpThreads). Default null: each model's own.</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>ONNX Runtime inter-op threads for every model, overriding each config.json. Default null: each model's own.</summary>
    public int? InterOpThreads { get; set; }

    /// <summary>Where the models record their metrics (the host's, from its meter factory). Default null: nothing recorded.</summary>
    public Telemetry.ServingMetrics? Metrics { get; set; }
    /// <summary>
    /// Puts the execution provider's circuit breaker around CPU sessions too (repeated run failures then move the
    /// model to a new CPU session), so that tests on a machine without a GPU can trip it with a session that fails on
    /// purpose. Default false: only GPU sessions have one. The server sets it only in its tests.
    /// </summary>
    public bool BreakOnCpu { get; set; }

    /// <exception cref="ArgumentException">An empty directory or default model name.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException($"{nameof(ModelRepositoryOptions)}.{nameof(Directory)} must name a folder.", nameof(Directory));
        }

        if (DefaultModel is not null && DefaultModel.Trim().Length == 0)
        {
            throw new ArgumentException($"{nameof(ModelRepositoryOptions)}.{nameof(DefaultModel)} must be null or a model name.", nameof(DefaultModel));
        }

        if (ExecutionProvider is { } p && !Enum.IsDefined(p))
        {
            throw new ArgumentException($"{nameof(ModelRepositoryOptions)}.{nameof(ExecutionProvider)} {(int)p} is not a provider.", nameof(ExecutionProvider));
        }

        if (IntraOpThreads is < 0 || InterOpThreads is < 0)
        {
            throw new ArgumentException($"{nameof(ModelRepositoryOptions)}: thread counts must be >= 0 (0 = automatic for intra-op, ONNX Runtime's choice for inter-op), got {IntraOpThreads} and {InterOpThreads}.");
        }
    }
}
