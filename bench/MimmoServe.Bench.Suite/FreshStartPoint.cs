namespace MimmoServe.Bench.Suite;

/// <summary>
/// A new server process under saturating load from its first second (no warm-up by the suite; the server's own start-up
/// warm-up only), against the steady state of the warmed-up server under the same load.
/// </summary>
internal sealed record FreshStartPoint(string Model, int K, double Seconds, LoadResult First, LoadResult Steady)
{
    public double Ratio => First.PerSecond / Steady.PerSecond;
}
