using System.Reflection;
using System.Text.Json.Nodes;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// Starts this program's <c>serve</c> (or <c>serve-bare</c>) command as the server child, through <c>dotnet exec</c> so that a
/// variant can run with another runtimeconfig (the thread pool's spin limit is read once at start-up).
/// </summary>
internal static class OwnServerLauncher
{
    public const string SpinLimitProperty = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    public static Task<ChildServer> StartAsync(string name, Pinning pinning, bool defaultSpinLimit, string command = "serve")
    {
        var assembly = Assembly.GetEntryAssembly()!.Location;
        var runtimeConfig = Path.ChangeExtension(assembly, ".runtimeconfig.json");
        if (defaultSpinLimit)
        {
            runtimeConfig = WriteWithoutSpinLimit(runtimeConfig);
        }

        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return ChildServer.StartAsync(name, dotnet, ["exec", "--runtimeconfig", runtimeConfig, assembly, command], pinning);
    }

    private static string WriteWithoutSpinLimit(string runtimeConfig)
    {
        var json = JsonNode.Parse(File.ReadAllText(runtimeConfig))!;
        json["runtimeOptions"]?["configProperties"]?.AsObject().Remove(SpinLimitProperty);
        var copy = Path.Combine(Path.GetTempPath(), $"mimmo-grpc-bench-{Environment.ProcessId}.runtimeconfig.json");
        File.WriteAllText(copy, json.ToJsonString());
        return copy;
    }
}
