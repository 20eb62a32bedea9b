using MimmoServe.Onnx.Handles;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Tests;

public class OnnxRuntimeTests
{
    [Fact]
    public void Shared_WithoutOptions_LoadsTheLibraryCopiedNextToTheAssemblies()
    {
        var runtime = OnnxRuntime.Shared;

        // Unless MIMMO_ORT_LIBRARY points elsewhere, the application folder's copy is the one loaded.
        var expected = Environment.GetEnvironmentVariable(OnnxConstants.LibraryEnvironmentVariable) is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1");
        Assert.Equal(expected, runtime.LibraryPath);
        Assert.Equal(17u, runtime.ApiVersion);
        Assert.True(OrtLibrary.CheckVersion(runtime.Version, "test") >= OnnxConstants.MinimumVersion);
    }

    [Fact]
    public void Initialize_Twice_ReturnsTheSameInstance()
    {
        Assert.Same(OnnxRuntime.Shared, OnnxRuntime.Initialize());
        Assert.Same(OnnxRuntime.Shared, OnnxRuntime.Initialize(new OnnxRuntimeOptions { Library = OnnxRuntime.Shared.LibraryPath }));
    }

    [Fact]
    public void Initialize_OtherLibraryAfterLoad_ThrowsNamingBoth()
    {
        var loaded = OnnxRuntime.Shared.LibraryPath;

        var e = Assert.Throws<InvalidOperationException>(() => OnnxRuntime.Initialize(new OnnxRuntimeOptions { Library = "/other/libonnxruntime.so" }));

        Assert.Contains(loaded, e.Message, StringComparison.Ordinal);
        Assert.Contains("/other/libonnxruntime.so", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_InvalidOptions_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => OnnxRuntime.Initialize(new OnnxRuntimeOptions { LogId = "" }));
        Assert.Throws<ArgumentException>(() => OnnxRuntime.Initialize(new OnnxRuntimeOptions { LogLevel = (OrtLogLevel)42 }));
    }

    [Fact]
    public void AvailableProviders_PinnedLibrary_ListsCpuAndTheCompiledInGpuProviders()
    {
        var providers = OnnxRuntime.Shared.AvailableProviders;

        Assert.Contains(OnnxConstants.CpuProviderName, providers);
        Assert.Equal(OnnxConstants.CpuProviderName, providers[^1]);
        Assert.Equal(providers.Count, providers.Distinct().Count());
    }

    [Fact]
    public void CreateSession_EmptyPath_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => OnnxRuntime.Shared.CreateSession(""));
    }

    [Fact]
    public void EnvHandle_SecondEnvironmentCreatedAndReleased_SharedEnvironmentStillRunsModels()
    {
        // ORT keeps one environment per process with a reference count: a second create and its release
        // (ReleaseEnv) must leave the runtime's own environment working.
        var runtime = OnnxRuntime.Shared;
        var second = OrtEnvHandle.Create(OrtLoggingLevel.Error, "second");
        Assert.False(second.IsInvalid);
        second.Dispose();

        using var session = runtime.CreateSession(Fixtures.Affine);
        var x = new PinnedBuffer<float>(4);
        x.Span.Fill(1f);
        var y = new PinnedBuffer<float>(4);
        var z = new PinnedBuffer<float>(3);
        long[] shape = [1, 4];
        session.Run([x.AsTensor(shape)], [y.AsTensor(shape), z.AsTensor(new long[] { 1, 3 })]);
        Assert.All(y.Array, v => Assert.Equal(3f, v));
    }
}
