using MimmoServe.Onnx;

namespace MimmoServe.Server.Configuration;

/// <summary>The execution provider names of the command line and configuration, as config.json spells them.</summary>
internal static class ProviderNames
{
    public static readonly string[] All = ["cpu", "cuda", "tensorrt"];

    public static bool IsValid(string name) => All.Contains(name.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">Not one of <see cref="All"/>.</exception>
    public static ExecutionProvider Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => ExecutionProvider.Cpu,
        "cuda" => ExecutionProvider.Cuda,
        "tensorrt" => ExecutionProvider.TensorRt,
        _ => throw new ArgumentException($"'{name}' is not an execution provider; use {string.Join(", ", All)}.", nameof(name)),
    };
}
