namespace MimmoServe.Cli.Bench;

/// <summary>Latency percentiles in milliseconds, nearest-rank over every sample (no histogram buckets).</summary>
internal sealed record LatencySummary(long Count, double Mean, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencySummary Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(sorted.Length, sorted.Average(), Rank(sorted, 0.5), Rank(sorted, 0.9), Rank(sorted, 0.99), Rank(sorted, 0.999), sorted[^1]);
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
