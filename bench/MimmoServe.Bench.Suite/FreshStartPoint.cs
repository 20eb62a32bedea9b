namespace MimmoServe.Bench.Suite;

/// <summary>
/// A new server process under saturating load from its first second (no warm-up by the suite; the server's own start-up
/// warm-up only): its first <paramref name="Seconds"/> against its own steady state, measured on the same process after
/// <paramref name="WarmupSeconds"/> more of the same load. <paramref name="Served"/> is the warmed-up server's rate under
/// that load in the served section, minutes earlier: a check on how far the machine's speed moved in between.
/// </summary>
internal sealed record FreshStartPoint(string Model, int K, double Seconds, LoadResult First, double WarmupSeconds, LoadResult Steady, LoadResult Served)
{
    public double Ratio => First.PerSecond / Steady.PerSecond;
}
