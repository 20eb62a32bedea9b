namespace MimmoServe.Onnx.Native;

/// <summary>A path to try for the ONNX Runtime library and where it came from, for error messages.</summary>
/// <param name="Path">Absolute or relative path of a <c>libonnxruntime.so</c>.</param>
/// <param name="Source">Human-readable origin: the option, the environment variable or the application folder.</param>
/// <param name="IsExplicit">True when the user named this path: failing to load it is an error, not a reason to look further.</param>
internal readonly record struct OrtLibraryCandidate(string Path, string Source, bool IsExplicit);
