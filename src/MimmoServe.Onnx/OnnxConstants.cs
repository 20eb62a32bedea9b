namespace MimmoServe.Onnx;

/// <summary>Names, keys and defaults of the ONNX Runtime binding, in one place.</summary>
public static class OnnxConstants
{
    /// <summary>
    /// The C API table version requested from <c>GetApi</c>. 17 is ONNX Runtime 1.17 (January 2024): old enough that
    /// any library from 1.17 on serves it (the table is append-only), new enough for everything the binding calls
    /// (CUDA and TensorRT V2 options, GetSessionConfigEntry).
    /// </summary>
    public const uint ApiVersion = 17;

    /// <summary>The oldest library accepted: the release that introduced <see cref="ApiVersion"/>.</summary>
    public static readonly Version MinimumVersion = new(1, 17, 0);

    /// <summary>Configuration section of the host (<c>Onnx</c>) and the key of the library path in it.</summary>
    public const string ConfigSection = "Onnx";

    /// <summary>Configuration key the host binds to <see cref="OnnxRuntimeOptions.Library"/>.</summary>
    public const string LibraryConfigKey = "Onnx:Library";

    /// <summary>Environment variable with the path of the library; used when the option is not set.</summary>
    public const string LibraryEnvironmentVariable = "MIMMO_ORT_LIBRARY";

    /// <summary>File names looked for in the application folder, in this order.</summary>
    public static readonly IReadOnlyList<string> LibraryFileNames = ["libonnxruntime.so", "libonnxruntime.so.1"];

    /// <summary>How to get a library; ends every "not found" message.</summary>
    public const string LibraryHint =
        "Build with node and npm installed so that the build fetches the pinned library into the output folder, " +
        "or set " + LibraryEnvironmentVariable + " (or " + LibraryConfigKey + ") to the libonnxruntime.so of an official ONNX Runtime release " +
        "(https://github.com/microsoft/onnxruntime/releases).";

    /// <summary>Default log id of the process-wide ORT environment.</summary>
    public const string DefaultLogId = "mimmo";

    /// <summary>Session config entry that lets idle intra-op threads spin; the binding sets it to "0" unless asked.</summary>
    public const string AllowSpinningConfigKey = "session.intra_op.allow_spinning";

    /// <summary>Provider names as <c>GetAvailableProviders</c> reports them.</summary>
    public const string CpuProviderName = "CPUExecutionProvider";

    public const string CudaProviderName = "CUDAExecutionProvider";

    public const string TensorRtProviderName = "TensorrtExecutionProvider";

    /// <summary>Keys of <c>UpdateCUDAProviderOptions</c>.</summary>
    public const string CudaDeviceIdKey = "device_id";

    public const string CudaGpuMemLimitKey = "gpu_mem_limit";

    public const string CudaCudnnConvAlgoSearchKey = "cudnn_conv_algo_search";

    /// <summary>Keys of <c>UpdateTensorRTProviderOptions</c>.</summary>
    public const string TensorRtDeviceIdKey = "device_id";

    public const string TensorRtFp16Key = "trt_fp16_enable";

    public const string TensorRtEngineCacheEnableKey = "trt_engine_cache_enable";

    public const string TensorRtEngineCachePathKey = "trt_engine_cache_path";

    /// <summary>Largest number of inputs plus outputs whose OrtValue pointers <c>Run</c> keeps on the stack.</summary>
    internal const int MaxStackValues = 128;

    /// <summary>Run options kept per session for cancellable runs (more concurrent cancellable runs create new ones).</summary>
    internal const int RunOptionsPoolSize = 16;
}
