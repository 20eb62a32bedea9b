namespace MimmoServe.Onnx.Native;

/// <summary>
/// Decides where the ONNX Runtime library is looked for, in order:
/// 1. <see cref="OnnxRuntimeOptions.Library"/> (config key <c>Onnx:Library</c>);
/// 2. the environment variable <c>MIMMO_ORT_LIBRARY</c>;
/// 3. the application's own folder (<see cref="AppContext.BaseDirectory"/>): <c>libonnxruntime.so</c>, then
///    <c>libonnxruntime.so.1</c> (the name the build copies the pinned library under).
/// An explicit path (1 or 2) is the only candidate: if it is wrong the user must hear about it, not get another
/// library silently. Pure: the environment and folder are parameters so tests can drive every branch.
/// </summary>
internal static class OrtLibraryResolver
{
    public static IReadOnlyList<OrtLibraryCandidate> Candidates(string? configuredPath, string? environmentPath, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            return [new OrtLibraryCandidate(configuredPath, $"option {OnnxConstants.LibraryConfigKey}", IsExplicit: true)];
        }

        if (!string.IsNullOrWhiteSpace(environmentPath))
        {
            return [new OrtLibraryCandidate(environmentPath, $"environment variable {OnnxConstants.LibraryEnvironmentVariable}", IsExplicit: true)];
        }

        return OnnxConstants.LibraryFileNames
            .Select(name => new OrtLibraryCandidate(Path.Combine(baseDirectory, name), "application folder", IsExplicit: false))
            .ToArray();
    }

    /// <summary>The first candidate to load: the explicit one, or the first library file that exists in the folder.</summary>
    /// <exception cref="OrtLibraryException">No explicit path and no library in the application folder.</exception>
    public static OrtLibraryCandidate Choose(IReadOnlyList<OrtLibraryCandidate> candidates, string baseDirectory)
    {
        foreach (var candidate in candidates)
        {
            if (candidate.IsExplicit || File.Exists(candidate.Path))
            {
                return candidate;
            }
        }

        throw new OrtLibraryException(
            $"No ONNX Runtime library was found: {OnnxConstants.LibraryConfigKey} and {OnnxConstants.LibraryEnvironmentVariable} are not set, " +
            $"and neither {string.Join(" nor ", OnnxConstants.LibraryFileNames)} is in {baseDirectory}. {OnnxConstants.LibraryHint}");
    }
}
