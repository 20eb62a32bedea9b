using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Tests.Native;

public class OrtLibraryResolverTests
{
    [Fact]
    public void Candidates_ConfiguredPath_IsTheOnlyCandidateEvenWithEnvironmentSet()
    {
        var candidates = OrtLibraryResolver.Candidates("/opt/ort/libonnxruntime.so", "/env/libonnxruntime.so", "/app");

        var only = Assert.Single(candidates);
        Assert.Equal("/opt/ort/libonnxruntime.so", only.Path);
        Assert.True(only.IsExplicit);
        Assert.Contains("Onnx:Library", only.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_EnvironmentOnly_IsTheOnlyCandidate()
    {
        var candidates = OrtLibraryResolver.Candidates(null, "/env/libonnxruntime.so", "/app");

        var only = Assert.Single(candidates);
        Assert.Equal("/env/libonnxruntime.so", only.Path);
        Assert.True(only.IsExplicit);
        Assert.Contains("MIMMO_ORT_LIBRARY", only.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_NothingExplicit_SoThenSo1InApplicationFolder()
    {
        var candidates = OrtLibraryResolver.Candidates("", " ", "/app");

        Assert.Equal(["/app/libonnxruntime.so", "/app/libonnxruntime.so.1"], candidates.Select(c => c.Path));
        Assert.All(candidates, c => Assert.False(c.IsExplicit));
    }

    [Fact]
    public void Choose_ExplicitPathThatDoesNotExist_IsStillChosenSoLoadingReportsIt()
    {
        var candidates = OrtLibraryResolver.Candidates("/no/such/libonnxruntime.so", null, AppContext.BaseDirectory);

        Assert.Equal("/no/such/libonnxruntime.so", OrtLibraryResolver.Choose(candidates, AppContext.BaseDirectory).Path);
    }

    [Fact]
    public void Choose_FolderWithOnlySo1_PicksSo1()
    {
        // The build copies the pinned library as libonnxruntime.so.1 only.
        var folder = AppContext.BaseDirectory;
        Assert.False(File.Exists(Path.Combine(folder, "libonnxruntime.so")));

        var chosen = OrtLibraryResolver.Choose(OrtLibraryResolver.Candidates(null, null, folder), folder);

        Assert.Equal(Path.Combine(folder, "libonnxruntime.so.1"), chosen.Path);
    }

    [Fact]
    public void Choose_FolderWithSoAndSo1_PicksSoFirst()
    {
        var folder = Directory.CreateTempSubdirectory("mimmo-ort-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "libonnxruntime.so"), "x");
            File.WriteAllText(Path.Combine(folder, "libonnxruntime.so.1"), "x");

            var chosen = OrtLibraryResolver.Choose(OrtLibraryResolver.Candidates(null, null, folder), folder);

            Assert.Equal(Path.Combine(folder, "libonnxruntime.so"), chosen.Path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Choose_FolderWithoutLibrary_ThrowsSayingHowToGetOne()
    {
        var folder = Directory.CreateTempSubdirectory("mimmo-ort-").FullName;
        try
        {
            var e = Assert.Throws<OrtLibraryException>(() => OrtLibraryResolver.Choose(OrtLibraryResolver.Candidates(null, null, folder), folder));

            Assert.Contains(folder, e.Message, StringComparison.Ordinal);
            Assert.Contains("MIMMO_ORT_LIBRARY", e.Message, StringComparison.Ordinal);
            Assert.Contains("npm", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
