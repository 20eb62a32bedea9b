using MimmoServe.Onnx.Handles;

namespace MimmoServe.Onnx.Tests.Handles;

/// <summary>
/// The CUDA and TensorRT V2 slots, called one by one on this machine (no libonnxruntime_providers_*.so beside the
/// library): each function answers with its own recognisable message, which is what proves the slot is the right
/// function.
/// </summary>
public class ProviderOptionsHandleTests
{
    [Fact]
    public void Cuda_CreateUpdateAppend_EachSlotAnswersAsItsFunction()
    {
        _ = OnnxRuntime.Shared;
        using var options = OrtSessionOptionsHandle.Create();
        using var cuda = OrtCudaProviderOptionsHandle.Create();

        var update = Assert.Throws<OrtException>(() => cuda.Update([new(OnnxConstants.CudaDeviceIdKey, "0")]));
        var append = Assert.Throws<OrtException>(() => options.AppendCuda(cuda));

        Assert.False(cuda.IsInvalid);
        Assert.Contains("libonnxruntime_providers_shared.so", update.OrtMessage, StringComparison.Ordinal);
        Assert.Contains("AppendExecutionProvider_Cuda", append.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorRt_CreateUpdateAppend_EachSlotAnswersAsItsFunction()
    {
        _ = OnnxRuntime.Shared;
        using var options = OrtSessionOptionsHandle.Create();
        using var tensorRt = OrtTensorRtProviderOptionsHandle.Create();

        var update = Assert.Throws<OrtException>(() => tensorRt.Update([new(OnnxConstants.TensorRtDeviceIdKey, "0")]));
        var append = Assert.Throws<OrtException>(() => options.AppendTensorRt(tensorRt));

        Assert.False(tensorRt.IsInvalid);
        Assert.Contains("libonnxruntime_providers_shared.so", update.OrtMessage, StringComparison.Ordinal);
        Assert.Contains("AppendExecutionProvider_TensorRT", append.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionOptions_AfterFailedCudaAppend_StillBuildACpuSession()
    {
        var runtime = OnnxRuntime.Shared;
        using var options = OrtSessionOptionsHandle.Create();
        using (var cuda = OrtCudaProviderOptionsHandle.Create())
        {
            Assert.Throws<OrtException>(() => options.AppendCuda(cuda));
        }

        using var session = OrtSessionHandle.Create(runtime.Env, Fixtures.Affine, options);

        Assert.Equal((1, 2), (session.InputCount, session.OutputCount));
    }
}
