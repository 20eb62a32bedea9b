namespace MimmoServe.Onnx;

/// <summary>CUDA option <c>cudnn_conv_algo_search</c>: how cuDNN picks a convolution algorithm per input shape.</summary>
public enum CudnnConvAlgoSearch
{
    /// <summary>Benchmarks every algorithm on the first run of each shape: fastest steady state, seconds of warm-up per batch size.</summary>
    Exhaustive = 0,

    /// <summary>cuDNN's heuristics: no warm-up stall when batch sizes vary, close to exhaustive in practice.</summary>
    Heuristic = 1,

    /// <summary>The default algorithm, no search.</summary>
    Default = 2,
}
