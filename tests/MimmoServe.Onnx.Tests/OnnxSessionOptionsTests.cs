using MimmoServe.Onnx.Handles;

namespace MimmoServe.Onnx.Tests;

public class OnnxSessionOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new OnnxSessionOptions();

        Assert.Equal(0, options.IntraOpThreads);
        Assert.Equal(0, options.InterOpThreads);
        Assert.Equal(GraphOptimizationLevel.All, options.GraphOptimizationLevel);
        Assert.False(options.AllowSpinning);
        Assert.Equal(ExecutionProvider.Cpu, options.ExecutionProvider);
        Assert.Equal(CudnnConvAlgoSearch.Heuristic, options.CudnnConvAlgoSearch);
        Assert.Null(options.GpuMemoryLimitBytes);
        options.Validate();
    }

    [Theory]
    [InlineData(nameof(OnnxSessionOptions.IntraOpThreads))]
    [InlineData(nameof(OnnxSessionOptions.InterOpThreads))]
    [InlineData(nameof(OnnxSessionOptions.DeviceId))]
    [InlineData(nameof(OnnxSessionOptions.GpuMemoryLimitBytes))]
    [InlineData(nameof(OnnxSessionOptions.GraphOptimizationLevel))]
    [InlineData(nameof(OnnxSessionOptions.ExecutionProvider))]
    public void Validate_OutOfRange_ThrowsNamingTheSetting(string setting)
    {
        var options = new OnnxSessionOptions();
        switch (setting)
        {
            case nameof(OnnxSessionOptions.IntraOpThreads): options.IntraOpThreads = -1; break;
            case nameof(OnnxSessionOptions.InterOpThreads): options.InterOpThreads = -2; break;
            case nameof(OnnxSessionOptions.DeviceId): options.DeviceId = -1; break;
            case nameof(OnnxSessionOptions.GpuMemoryLimitBytes): options.GpuMemoryLimitBytes = 0; break;
            case nameof(OnnxSessionOptions.GraphOptimizationLevel): options.GraphOptimizationLevel = (GraphOptimizationLevel)5; break;
            case nameof(OnnxSessionOptions.ExecutionProvider): options.ExecutionProvider = (ExecutionProvider)9; break;
        }

        var e = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(setting, e.ParamName);
        Assert.Contains($"OnnxSessionOptions.{setting}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSession_InvalidOptions_ThrowsBeforeLoading()
    {
        Assert.Throws<ArgumentException>(() => OnnxRuntime.Shared.CreateSession(Fixtures.Affine, new OnnxSessionOptions { IntraOpThreads = -1 }));
    }

    [Fact]
    public void Factory_Defaults_DisableSpinning()
    {
        _ = OnnxRuntime.Shared;
        using var native = SessionOptionsFactory.Create(new OnnxSessionOptions(), withProvider: true, out var provider);

        Assert.Equal("0", native.GetConfigEntry(OnnxConstants.AllowSpinningConfigKey));
        Assert.False(provider.FellBack);
    }

    [Fact]
    public void Factory_AllowSpinningAndExtraEntries_AreSetOnTheNativeOptions()
    {
        _ = OnnxRuntime.Shared;
        var options = new OnnxSessionOptions { AllowSpinning = true, IntraOpThreads = 1, InterOpThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.Basic };
        options.ConfigEntries["session.use_env_allocators"] = "1";

        using var native = SessionOptionsFactory.Create(options, withProvider: true, out _);

        Assert.Equal("1", native.GetConfigEntry(OnnxConstants.AllowSpinningConfigKey));
        Assert.Equal("1", native.GetConfigEntry("session.use_env_allocators"));
    }

    [Fact]
    public void GetConfigEntry_KeyNeverSet_ThrowsOrtException()
    {
        _ = OnnxRuntime.Shared;
        using var native = OrtSessionOptionsHandle.Create();

        Assert.Throws<OrtException>(() => native.GetConfigEntry("mimmo.not.set"));
    }

    [Fact]
    public void SetGraphOptimizationLevel_UnknownLevelPastValidation_OrtRejectsIt()
    {
        // Proves slot 23 is SetSessionGraphOptimizationLevel: ORT answers an unknown level with its own error.
        _ = OnnxRuntime.Shared;
        using var native = OrtSessionOptionsHandle.Create();

        var e = Assert.Throws<OrtException>(() => native.SetGraphOptimizationLevel((GraphOptimizationLevel)5));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        native.SetGraphOptimizationLevel(GraphOptimizationLevel.Extended);
    }

    [Fact]
    public void CreateSession_ThreadCountsAndOptimizationLevels_RunCorrectly()
    {
        foreach (var level in Enum.GetValues<GraphOptimizationLevel>())
        {
            using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Affine, new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1, GraphOptimizationLevel = level });
            Assert.Equal(3f, RunAffineOnOnes(session));
        }
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda)]
    [InlineData(ExecutionProvider.TensorRt)]
    public void CreateSession_GpuProviderWithoutGpuOrProviderLibraries_FallsBackToCpuWithOrtsReason(ExecutionProvider requested)
    {
        // This machine has no GPU and no libonnxruntime_providers_*.so beside the library.
        var options = new OnnxSessionOptions { ExecutionProvider = requested, DeviceId = 0, GpuMemoryLimitBytes = 1L << 30, TensorRtFp16 = true };

        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Affine, options);

        Assert.Equal(requested, session.ExecutionProvider.Requested);
        Assert.Equal(ExecutionProvider.Cpu, session.ExecutionProvider.Actual);
        Assert.True(session.ExecutionProvider.FellBack);
        Assert.Contains("libonnxruntime_providers", session.ExecutionProvider.Reason, StringComparison.Ordinal);
        Assert.Equal(3f, RunAffineOnOnes(session));
    }

    [Fact]
    public void CreateSession_Cpu_ReportsNoFallback()
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Affine);

        Assert.Equal(new ExecutionProviderResult(ExecutionProvider.Cpu, ExecutionProvider.Cpu, null), session.ExecutionProvider);
        Assert.Equal("Cpu", session.ExecutionProvider.ToString());
    }

    private static float RunAffineOnOnes(OnnxSession session)
    {
        var x = new PinnedBuffer<float>(4);
        x.Span.Fill(1f);
        var y = new PinnedBuffer<float>(4);
        var z = new PinnedBuffer<float>(3);
        session.Run([x.AsTensor(new long[] { 1, 4 })], [y.AsTensor(new long[] { 1, 4 }), z.AsTensor(new long[] { 1, 3 })]);
        return y.Span[0];
    }
}
