namespace MimmoServe.Bench.Suite;

/// <summary>
/// One (model, k, items per call) under the batching server, driven by the native load generator: closed loop at
/// saturation, then h2load's request rate at half that; the raw engine's inputs per second at the same rows per run;
/// the model's test-set figures at this k.
/// </summary>
internal sealed record ServedPoint(
    string Model,
    string Family,
    int Slots,
    int K,
    int InputsPerRow,
    int RowsPerRun,
    int Items,
    LoadResult Saturation,
    LoadResult HalfLoad,
    double LimitInputsPerSecond,
    ModelQuality? Quality)
{
    public double ServedOverLimit => Saturation.PerSecond / LimitInputsPerSecond;
}
