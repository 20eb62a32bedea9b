using System.Diagnostics;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// Keeps the server and the client off each other's core: servers on core 0 (through taskset), clients on
/// core 1 (this process by its affinity mask, client processes through taskset). Off when taskset is
/// missing or the machine has one core.
/// </summary>
internal sealed class Pinning
{
    public const int ServerCore = 0;
    public const int ClientCore = 1;
    private const string TasksetPath = "/usr/bin/taskset";

    private Pinning(bool enabled)
    {
        Enabled = enabled;
    }

    public bool Enabled { get; }

    public static Pinning Detect()
    {
        var pinning = new Pinning(OperatingSystem.IsLinux() && File.Exists(TasksetPath) && Environment.ProcessorCount >= 2);
        if (pinning.Enabled && OperatingSystem.IsLinux())
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1 << ClientCore;
        }

        return pinning;
    }

    public ProcessStartInfo Start(int core, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Enabled ? TasksetPath : fileName) { UseShellExecute = false };
        if (Enabled)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(core.ToString(System.Globalization.CultureInfo.InvariantCulture));
            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public override string ToString() => Enabled ? $"server on core {ServerCore}, client on core {ClientCore} (taskset)" : "not pinned";
}
