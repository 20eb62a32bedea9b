namespace MimmoServe.Bench.Suite;

/// <summary>
/// A lone call: one connection, one call at a time, to a model at k (single-item calls), beside the engine's time for
/// one run of one row (one runner, back to back): what the server and the call add to the run.
/// </summary>
internal sealed record LonePoint(string Model, int K, LoadResult Load, double RunMs)
{
    /// <summary>Mean latency over the run's own time, in ms.</summary>
    public double AboveRunMs => Load.MeanMs - RunMs;
}
