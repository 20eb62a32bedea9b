using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Bench;

/// <summary>What the numbers were measured on.</summary>
internal static class MachineInfo
{
    public static string Describe(OnnxRuntime runtime) =>
        $"""
        machine   : {Environment.ProcessorCount} logical cores, {CpuModel()}
        os        : {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})
        .NET      : {RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC
        ORT       : {runtime.Version} (C API {runtime.ApiVersion}) from {runtime.LibraryPath}
        """;

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
