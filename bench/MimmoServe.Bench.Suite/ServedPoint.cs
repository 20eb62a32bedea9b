namespace MimmoServe.Bench.Suite;

/// <summary>
/// One (model, k) under the batching server: closed loop at saturation, then open loop at half that rate; the raw
/// engine's inputs per second at the same rows per run; the model's test-set figures at this k.
/// </summary>
internal sealed record ServedPoint(
    string Model,
    string Family,
    int Slots,
    int K,
    int InputsPerRow,
    int RowsPerRun,
    LoadResult Saturation,
    LoadResult HalfLoad,
    double LimitInputsPerSecond,
    ModelQuality? Quality)
{
    public double ServedOverLimit => Saturation.PerSecond / LimitInputsPerSecond;

    /// <summary>Server CPU time per answered input, in microseconds.</summary>
    public double ServerCpuMicrosPerInput => Saturation.ServerCpuSeconds / Math.Max(1, Saturation.Completed) * 1e6;

    /// <summary>The load generator's CPU time per answered input, in microseconds: what it took from the server's cores.</summary>
    public double ClientCpuMicrosPerInput => Saturation.ClientCpuSeconds / Math.Max(1, Saturation.Completed) * 1e6;
}
