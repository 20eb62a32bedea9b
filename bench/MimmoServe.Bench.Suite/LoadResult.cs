namespace MimmoServe.Bench.Suite;

/// <summary>
/// One load run of <c>mimmo bench</c> against the server: completed calls per second, latency percentiles in ms,
/// failures by status, and the CPU seconds the server and the load generator spent.
/// </summary>
internal sealed record LoadResult(
    string Loop,
    int? Concurrency,
    double? Rate,
    double Seconds,
    long Completed,
    long Failed,
    double PerSecond,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    IReadOnlyDictionary<string, long> Errors,
    double ServerCpuSeconds,
    double ClientCpuSeconds);
