namespace MimmoServe.Grpc.Bench;

/// <summary>
/// One client against one server. <paramref name="ServerCpuSeconds"/> is the server's CPU time over
/// <paramref name="CallsInCpuWindow"/> calls (the measured ones, plus a client's own warm-up when it runs
/// in a process of its own and cannot be split). <paramref name="ClientCpuSeconds"/> covers the measured calls.
/// </summary>
internal sealed record LoadResult(
    string Server,
    string Client,
    int Calls,
    double Seconds,
    double P50Ms,
    double P99Ms,
    int Errors,
    double ServerCpuSeconds,
    int CallsInCpuWindow,
    double ClientCpuSeconds)
{
    public double CallsPerSecond => Calls / Seconds;

    public double ServerCpuMicrosecondsPerCall => ServerCpuSeconds * 1e6 / CallsInCpuWindow;

    /// <summary>The client's CPU over the measured calls only.</summary>
    public double ClientCpuMicrosecondsPerCall => ClientCpuSeconds * 1e6 / Calls;
}
