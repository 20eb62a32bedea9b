using System.Runtime.InteropServices;

namespace MimmoServe.Grpc.Bench;

/// <summary>What the figures were measured on.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var model = File.ReadLines("/proc/cpuinfo")
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        return $"{Environment.ProcessorCount} cores, {model}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.ProcessArchitecture})";
    }
}
