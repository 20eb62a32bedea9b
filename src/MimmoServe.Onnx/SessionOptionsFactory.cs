using System.Globalization;
using MimmoServe.Onnx.Handles;

namespace MimmoServe.Onnx;

/// <summary>
/// Turns <see cref="OnnxSessionOptions"/> into native session options. A GPU provider that cannot be appended
/// (no provider libraries, no CUDA, no GPU) is left out and the reason kept: the same options then build a
/// working CPU session, which ORT's own tests of this machine confirm.
/// </summary>
internal static class SessionOptionsFactory
{
    public static OrtSessionOptionsHandle Create(OnnxSessionOptions options, bool withProvider, out ExecutionProviderResult provider)
    {
        var native = OrtSessionOptionsHandle.Create();
        try
        {
            native.SetGraphOptimizationLevel(options.GraphOptimizationLevel);
            native.SetIntraOpThreads(options.IntraOpThreads);
            native.SetInterOpThreads(options.InterOpThreads);
            native.AddConfigEntry(OnnxConstants.AllowSpinningConfigKey, options.AllowSpinning ? "1" : "0");
            foreach (var (key, value) in options.ConfigEntries)
            {
                native.AddConfigEntry(key, value);
            }

            provider = withProvider
                ? AppendProvider(native, options)
                : new ExecutionProviderResult(options.ExecutionProvider, ExecutionProvider.Cpu, null);
            return native;
        }
        catch
        {
            native.Dispose();
            throw;
        }
    }

    private static ExecutionProviderResult AppendProvider(OrtSessionOptionsHandle native, OnnxSessionOptions options)
    {
        var requested = options.ExecutionProvider;
        try
        {
            switch (requested)
            {
                case ExecutionProvider.Cuda:
                    AppendCuda(native, options);
                    break;
                case ExecutionProvider.TensorRt:
                    AppendTensorRt(native, options);
                    break;
                default:
                    break;
            }

            return new ExecutionProviderResult(requested, requested, null);
        }
        catch (OrtException e)
        {
            return new ExecutionProviderResult(requested, ExecutionProvider.Cpu, e.OrtMessage);
        }
    }

    private static void AppendCuda(OrtSessionOptionsHandle native, OnnxSessionOptions options)
    {
        var entries = new List<KeyValuePair<string, string>>
        {
            new(OnnxConstants.CudaDeviceIdKey, options.DeviceId.ToString(CultureInfo.InvariantCulture)),
            new(OnnxConstants.CudaCudnnConvAlgoSearchKey, options.CudnnConvAlgoSearch.ToString().ToUpperInvariant()),
        };
        if (options.GpuMemoryLimitBytes is { } limit)
        {
            entries.Add(new(OnnxConstants.CudaGpuMemLimitKey, limit.ToString(CultureInfo.InvariantCulture)));
        }

        using var cuda = OrtCudaProviderOptionsHandle.Create();
        cuda.Update(entries);
        native.AppendCuda(cuda);
    }

    private static void AppendTensorRt(OrtSessionOptionsHandle native, OnnxSessionOptions options)
    {
        var entries = new List<KeyValuePair<string, string>>
        {
            new(OnnxConstants.TensorRtDeviceIdKey, options.DeviceId.ToString(CultureInfo.InvariantCulture)),
            new(OnnxConstants.TensorRtFp16Key, options.TensorRtFp16 ? "1" : "0"),
        };
        if (options.TensorRtEngineCachePath is { } cachePath)
        {
            entries.Add(new(OnnxConstants.TensorRtEngineCacheEnableKey, "1"));
            entries.Add(new(OnnxConstants.TensorRtEngineCachePathKey, cachePath));
        }

        using var tensorRt = OrtTensorRtProviderOptionsHandle.Create();
        tensorRt.Update(entries);
        native.AppendTensorRt(tensorRt);
    }
}
