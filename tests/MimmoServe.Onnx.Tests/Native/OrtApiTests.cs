using System.Runtime.InteropServices;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Tests.Native;

/// <summary>
/// The struct's field offsets against the slot numbers of the project's slot table (taken from the official
/// headers). Behaviour of each slot is checked by the tests that call it (session, metadata, run, provider and
/// handle tests); this catches a field added, dropped or moved in OrtApi.cs.
/// </summary>
public class OrtApiTests
{
    [Theory]
    [InlineData(nameof(OrtApi.GetErrorCode), 1)]
    [InlineData(nameof(OrtApi.GetErrorMessage), 2)]
    [InlineData(nameof(OrtApi.CreateEnv), 3)]
    [InlineData(nameof(OrtApi.CreateSession), 7)]
    [InlineData(nameof(OrtApi.Run), 9)]
    [InlineData(nameof(OrtApi.CreateSessionOptions), 10)]
    [InlineData(nameof(OrtApi.SetSessionGraphOptimizationLevel), 23)]
    [InlineData(nameof(OrtApi.SetIntraOpNumThreads), 24)]
    [InlineData(nameof(OrtApi.SetInterOpNumThreads), 25)]
    [InlineData(nameof(OrtApi.SessionGetInputCount), 30)]
    [InlineData(nameof(OrtApi.SessionGetOutputCount), 31)]
    [InlineData(nameof(OrtApi.SessionGetInputTypeInfo), 33)]
    [InlineData(nameof(OrtApi.SessionGetOutputTypeInfo), 34)]
    [InlineData(nameof(OrtApi.SessionGetInputName), 36)]
    [InlineData(nameof(OrtApi.SessionGetOutputName), 37)]
    [InlineData(nameof(OrtApi.CreateRunOptions), 39)]
    [InlineData(nameof(OrtApi.RunOptionsSetTerminate), 46)]
    [InlineData(nameof(OrtApi.CreateTensorWithDataAsOrtValue), 49)]
    [InlineData(nameof(OrtApi.GetTensorMutableData), 51)]
    [InlineData(nameof(OrtApi.CastTypeInfoToTensorInfo), 55)]
    [InlineData(nameof(OrtApi.GetOnnxTypeFromTypeInfo), 56)]
    [InlineData(nameof(OrtApi.GetTensorElementType), 60)]
    [InlineData(nameof(OrtApi.GetDimensionsCount), 61)]
    [InlineData(nameof(OrtApi.GetDimensions), 62)]
    [InlineData(nameof(OrtApi.GetSymbolicDimensions), 63)]
    [InlineData(nameof(OrtApi.GetTensorTypeAndShape), 65)]
    [InlineData(nameof(OrtApi.CreateCpuMemoryInfo), 69)]
    [InlineData(nameof(OrtApi.AllocatorFree), 76)]
    [InlineData(nameof(OrtApi.GetAllocatorWithDefaultOptions), 78)]
    [InlineData(nameof(OrtApi.ReleaseEnv), 92)]
    [InlineData(nameof(OrtApi.ReleaseStatus), 93)]
    [InlineData(nameof(OrtApi.ReleaseMemoryInfo), 94)]
    [InlineData(nameof(OrtApi.ReleaseSession), 95)]
    [InlineData(nameof(OrtApi.ReleaseValue), 96)]
    [InlineData(nameof(OrtApi.ReleaseRunOptions), 97)]
    [InlineData(nameof(OrtApi.ReleaseTypeInfo), 98)]
    [InlineData(nameof(OrtApi.ReleaseTensorTypeAndShapeInfo), 99)]
    [InlineData(nameof(OrtApi.ReleaseSessionOptions), 100)]
    [InlineData(nameof(OrtApi.SessionGetModelMetadata), 111)]
    [InlineData(nameof(OrtApi.ModelMetadataGetProducerName), 112)]
    [InlineData(nameof(OrtApi.ModelMetadataGetGraphName), 113)]
    [InlineData(nameof(OrtApi.ModelMetadataGetDomain), 114)]
    [InlineData(nameof(OrtApi.ModelMetadataGetDescription), 115)]
    [InlineData(nameof(OrtApi.ModelMetadataLookupCustomMetadataMap), 116)]
    [InlineData(nameof(OrtApi.ModelMetadataGetVersion), 117)]
    [InlineData(nameof(OrtApi.ReleaseModelMetadata), 118)]
    [InlineData(nameof(OrtApi.ModelMetadataGetCustomMetadataMapKeys), 123)]
    [InlineData(nameof(OrtApi.GetAvailableProviders), 125)]
    [InlineData(nameof(OrtApi.ReleaseAvailableProviders), 126)]
    [InlineData(nameof(OrtApi.AddSessionConfigEntry), 130)]
    [InlineData(nameof(OrtApi.ModelMetadataGetGraphDescription), 158)]
    [InlineData(nameof(OrtApi.SessionOptionsAppendExecutionProvider_TensorRT_V2), 170)]
    [InlineData(nameof(OrtApi.CreateTensorRTProviderOptions), 171)]
    [InlineData(nameof(OrtApi.UpdateTensorRTProviderOptions), 172)]
    [InlineData(nameof(OrtApi.ReleaseTensorRTProviderOptions), 174)]
    [InlineData(nameof(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2), 204)]
    [InlineData(nameof(OrtApi.CreateCUDAProviderOptions), 205)]
    [InlineData(nameof(OrtApi.UpdateCUDAProviderOptions), 206)]
    [InlineData(nameof(OrtApi.ReleaseCUDAProviderOptions), 208)]
    [InlineData(nameof(OrtApi.GetSessionConfigEntry), 238)]
    public void OffsetOf_FunctionTheBindingCalls_IsItsHeaderSlot(string field, int slot) =>
        Assert.Equal(slot * IntPtr.Size, Marshal.OffsetOf<OrtApi>(field).ToInt32());

    [Fact]
    public unsafe void SizeOf_OrtApi_EndsAtGetSessionConfigEntrySlot238() => Assert.Equal(239 * IntPtr.Size, sizeof(OrtApi));

    [Fact]
    public unsafe void Api_AfterInitialize_IsTheTableOfTheLoadedLibrary()
    {
        var runtime = OnnxRuntime.Shared;
        Assert.True(OrtNative.Api == runtime.Library.Api);
        Assert.True(OrtNative.Api->Run != null);
    }
}
