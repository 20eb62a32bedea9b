namespace MimmoServe.Onnx;

/// <summary>
/// How one session is built. Every default is documented on its property; <see cref="Validate"/> runs when a
/// session is created (and may be called at start-up to fail early).
/// </summary>
public sealed class OnnxSessionOptions
{
    /// <summary>Threads of ORT's intra-op pool. Default 0: ORT picks one per physical core. Must be >= 0.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads of the inter-op pool (used by parallel execution mode only). Default 0: ORT's choice. Must be >= 0.</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Graph optimizations applied at load. Default <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.All;

    /// <summary>
    /// Session config entry <c>session.intra_op.allow_spinning</c>. Default false ("0"): idle intra-op threads sleep
    /// instead of spinning on cores that the server's own threads need. True trades CPU for a little latency.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Provider to run on. Default <see cref="ExecutionProvider.Cpu"/>. GPU providers fall back to CPU, see <see cref="ExecutionProviderResult"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>GPU ordinal for CUDA and TensorRT (<c>device_id</c>). Default 0. Must be >= 0.</summary>
    public int DeviceId { get; set; }

    /// <summary>CUDA arena limit in bytes (<c>gpu_mem_limit</c>). Default null: ORT's default, no limit. Must be > 0 when set.</summary>
    public long? GpuMemoryLimitBytes { get; set; }

    /// <summary>CUDA <c>cudnn_conv_algo_search</c>. Default <see cref="Onnx.CudnnConvAlgoSearch.Heuristic"/>, see there why.</summary>
    public CudnnConvAlgoSearch CudnnConvAlgoSearch { get; set; } = CudnnConvAlgoSearch.Heuristic;

    /// <summary>TensorRT <c>trt_fp16_enable</c>. Default false.</summary>
    public bool TensorRtFp16 { get; set; }

    /// <summary>TensorRT engine cache folder (<c>trt_engine_cache_path</c>, enables the cache). Default null: no cache.</summary>
    public string? TensorRtEngineCachePath { get; set; }

    /// <summary>Further session config entries (<c>AddSessionConfigEntry</c>), applied last. Default empty.</summary>
    public IDictionary<string, string> ConfigEntries { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        Require(IntraOpThreads >= 0, nameof(IntraOpThreads), $"must be >= 0 (0 lets ORT choose), got {IntraOpThreads}");
        Require(InterOpThreads >= 0, nameof(InterOpThreads), $"must be >= 0 (0 lets ORT choose), got {InterOpThreads}");
        Require(Enum.IsDefined(GraphOptimizationLevel), nameof(GraphOptimizationLevel), $"{(int)GraphOptimizationLevel} is not a level");
        Require(Enum.IsDefined(ExecutionProvider), nameof(ExecutionProvider), $"{(int)ExecutionProvider} is not a provider");
        Require(DeviceId >= 0, nameof(DeviceId), $"must be >= 0, got {DeviceId}");
        Require(GpuMemoryLimitBytes is null or > 0, nameof(GpuMemoryLimitBytes), $"must be > 0 when set, got {GpuMemoryLimitBytes}");
        Require(Enum.IsDefined(CudnnConvAlgoSearch), nameof(CudnnConvAlgoSearch), $"{(int)CudnnConvAlgoSearch} is not a search mode");
        Require(TensorRtEngineCachePath is null || TensorRtEngineCachePath.Length > 0, nameof(TensorRtEngineCachePath), "must not be empty when set");
        foreach (var (key, value) in ConfigEntries)
        {
            Require(key.Length > 0 && !key.Contains('\0', StringComparison.Ordinal), nameof(ConfigEntries), $"key '{key}' must be non-empty without NUL");
            Require(!value.Contains('\0', StringComparison.Ordinal), nameof(ConfigEntries), $"value of '{key}' contains NUL");
        }
    }

    private static void Require(bool condition, string name, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"{nameof(OnnxSessionOptions)}.{name} {problem}.", name);
        }
    }
}
