namespace MimmoServe.Bench.Suite;

/// <summary>
/// One load run of <c>mimmo bench</c> against the server: completed calls per second, latency percentiles in ms,
/// failures by status, and the CPU seconds the server and the load generator spent. Over labelled items, the served
/// accuracy; on a staged (early-exit) model, the answers per exit and the mean compute share (else null).
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
    double ClientCpuSeconds,
    double? Accuracy = null,
    IReadOnlyDictionary<string, long>? Exits = null,
    double? MeanComputeShare = null);
