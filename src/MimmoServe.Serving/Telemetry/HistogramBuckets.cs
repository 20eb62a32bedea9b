namespace MimmoServe.Serving.Telemetry;

/// <summary>
/// Explicit bucket boundaries, given to each histogram as <see cref="System.Diagnostics.Metrics.InstrumentAdvice{T}"/>
/// so that the Prometheus exporter and the OpenTelemetry SDK use the same ones.
/// </summary>
internal static class HistogramBuckets
{
    /// <summary>Seconds: 100 µs to 10 s; a lone request on a small model takes a few hundred µs, a full queue seconds.</summary>
    public static readonly double[] Seconds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Inputs or rows per run: powers of two up to 1024 (max_rows_per_run × M rarely goes beyond).</summary>
    public static readonly double[] Counts = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>A ratio in [0, 1], in tenths.</summary>
    public static readonly double[] Ratio = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

    /// <summary>Nats: entropy of K classes is at most ln K (2.3 for 10 classes, 6.9 for 1000).</summary>
    public static readonly double[] Nats = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 7];
}
