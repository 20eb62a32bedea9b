namespace MimmoServe.Bench.Suite;

/// <summary>
/// The same model and load, k = M, on the same server with batching off (one row per run, no queue delay: each
/// request is one run with its input copied into every slot), beside the batching server's figures.
/// </summary>
internal sealed record NaivePoint(string Model, int K, LoadResult Naive, LoadResult Batched)
{
    public double Speedup => Batched.PerSecond / Naive.PerSecond;
}
