using System.Runtime.InteropServices;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Tests.Native;

public class OrtLibraryTests
{
    private static readonly string PinnedLibrary = Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1");

    [Fact]
    public void Open_ExplicitPathThatDoesNotExist_ThrowsNamingPathAndSource()
    {
        var candidate = OrtLibraryResolver.Candidates(null, "/no/such/dir/libonnxruntime.so", "/app")[0];

        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(candidate, OnnxConstants.ApiVersion));

        Assert.Contains("/no/such/dir/libonnxruntime.so", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("environment variable MIMMO_ORT_LIBRARY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileThatIsNotALibrary_ThrowsNamingPath()
    {
        var candidate = OrtLibraryResolver.Candidates(Fixtures.Corrupt, null, "/app")[0];

        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(candidate, OnnxConstants.ApiVersion));

        Assert.Contains(Fixtures.Corrupt, e.Message, StringComparison.Ordinal);
        Assert.Contains("could not be loaded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LibraryWithoutOrtGetApiBase_ThrowsNotOnnxRuntime()
    {
        var other = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        Assert.True(File.Exists(other), other);

        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(new OrtLibraryCandidate(other, "test", true), OnnxConstants.ApiVersion));

        Assert.Contains("OrtGetApiBase", e.Message, StringComparison.Ordinal);
        Assert.Contains(other, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ApiVersionTheLibraryDoesNotServe_ThrowsNamingVersions()
    {
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(new OrtLibraryCandidate(PinnedLibrary, "test", true), 9999));

        Assert.Contains("C API version 9999", e.Message, StringComparison.Ordinal);
        Assert.Contains(OnnxRuntime.Shared.Version, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public unsafe void Open_PinnedLibrary_ServesApi17WithAVersionOfAtLeast117()
    {
        var library = OrtLibrary.Open(new OrtLibraryCandidate(PinnedLibrary, "test", true), OnnxConstants.ApiVersion);

        Assert.True(library.Api != null);
        Assert.Equal(17u, library.ApiVersion);
        Assert.True(OrtLibrary.CheckVersion(library.Version, "test") >= new Version(1, 17));
    }

    [Theory]
    [InlineData("1.16.3")]
    [InlineData("1.9.0")]
    [InlineData("0.99.0")]
    public void CheckVersion_OlderThan117_ThrowsNamingFoundAndNeededVersions(string version)
    {
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.CheckVersion(version, "'/x/libonnxruntime.so'"));

        Assert.Contains($"is version {version}", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 1.17.0 or newer", e.Message, StringComparison.Ordinal);
        Assert.Contains("/x/libonnxruntime.so", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.17.0", 1, 17)]
    [InlineData("1.30.0", 1, 30)]
    [InlineData("1.22.0-dev", 1, 22)]
    [InlineData("2.0", 2, 0)]
    public void CheckVersion_117OrNewer_ReturnsParsedVersion(string version, int major, int minor)
    {
        var parsed = OrtLibrary.CheckVersion(version, "test");

        Assert.Equal((major, minor), (parsed.Major, parsed.Minor));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("one.two")]
    public void CheckVersion_Unreadable_ThrowsQuotingIt(string version)
    {
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.CheckVersion(version, "test"));

        Assert.Contains($"unreadable version '{version}'", e.Message, StringComparison.Ordinal);
    }
}
