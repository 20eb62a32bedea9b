namespace MimmoServe.Bench.Suite;

/// <summary>
/// One model's engine limit: rows per second by rows per run, the best over the runner counts tried
/// (<see cref="Best"/>), and the whole table by runner count (<see cref="ByRunners"/>: runners, then rows per run).
/// </summary>
internal sealed record EngineLimitResult(IReadOnlyDictionary<int, double> Best, IReadOnlyDictionary<int, IReadOnlyDictionary<int, double>> ByRunners)
{
    /// <summary>The runner count that gave the best rows per second at <paramref name="rows"/>.</summary>
    public int BestRunners(int rows) => ByRunners.MaxBy(p => p.Value.GetValueOrDefault(rows)).Key;
}
