namespace MimmoServe.Bench.Suite;

/// <summary>
/// One load run of <c>mimmo bench</c> against the server: completed calls per second, latency percentiles in ms,
/// failures by status, and the CPU seconds the server and the load generator spent. Over labelled items, the served
/// accuracy; on a staged (early-exit) model, the answers per exit and the mean compute share (else null). Completed and
/// the rate count inputs: a call of <see cref="ItemsPerCall"/> items answers that many.
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
    double? MeanComputeShare = null,
    int ItemsPerCall = 1,
    double MeanMs = double.NaN,
    long? ServerAllocatedBytes = null,
    long ServerCalls = 0,
    RuntimeWork? ServerRuntime = null)
{
    /// <summary>
    /// Managed bytes the server allocated per call it answered (every status, the scrapes' own share included: a few
    /// kilobytes per run), or null when not measured.
    /// </summary>
    public double? ServerBytesPerCall => ServerAllocatedBytes is { } bytes && ServerCalls > 0 ? bytes / (double)ServerCalls : null;

    /// <summary>Calls answered per second.</summary>
    public double CallsPerSecond => PerSecond / ItemsPerCall;

    /// <summary>Server CPU time per answered input, in microseconds.</summary>
    public double ServerCpuMicrosPerInput => ServerCpuSeconds / Math.Max(1, Completed) * 1e6;

    /// <summary>The load generator's CPU time per call, in microseconds.</summary>
    public double ClientCpuMicrosPerCall => ClientCpuSeconds / Math.Max(1, Completed / (double)ItemsPerCall) * 1e6;

    /// <summary>
    /// Two runs of the same load as one: counts, CPU and exits summed, rates over the total time, accuracy and compute
    /// share weighted by answers. Percentiles cannot be merged from summaries: each is the higher of the two.
    /// </summary>
    public static LoadResult Combine(LoadResult a, LoadResult b)
    {
        var completed = a.Completed + b.Completed;
        double? Weighted(double? x, double? y) => x is { } u && y is { } v && completed > 0 ? ((u * a.Completed) + (v * b.Completed)) / completed : null;
        return new LoadResult(
            a.Loop,
            a.Concurrency,
            a.Rate,
            a.Seconds + b.Seconds,
            completed,
            a.Failed + b.Failed,
            completed / (a.Seconds + b.Seconds),
            Math.Max(a.P50Ms, b.P50Ms),
            Math.Max(a.P90Ms, b.P90Ms),
            Math.Max(a.P99Ms, b.P99Ms),
            Sum(a.Errors, b.Errors)!,
            a.ServerCpuSeconds + b.ServerCpuSeconds,
            a.ClientCpuSeconds + b.ClientCpuSeconds,
            Weighted(a.Accuracy, b.Accuracy),
            Sum(a.Exits, b.Exits),
            Weighted(a.MeanComputeShare, b.MeanComputeShare),
            a.ItemsPerCall,
            Weighted(a.MeanMs, b.MeanMs) ?? double.NaN,
            a.ServerAllocatedBytes + b.ServerAllocatedBytes,
            a.ServerCalls + b.ServerCalls,
            a.ServerRuntime is { } x && b.ServerRuntime is { } y ? x.Plus(y) : null);
    }

    private static Dictionary<string, long>? Sum(IReadOnlyDictionary<string, long>? x, IReadOnlyDictionary<string, long>? y) =>
        x is null || y is null ? null : x.Concat(y).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);
}
