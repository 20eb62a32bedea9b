using System.Diagnostics.Metrics;
using System.Text;

namespace MimmoServe.Server.Telemetry;

/// <summary>A histogram with explicit upper bounds (the instrument's advice), written as cumulative <c>_bucket{le}</c>, <c>_sum</c> and <c>_count</c>.</summary>
internal sealed class HistogramFamily : MetricFamily
{
    /// <summary>OpenTelemetry's default bounds, for an instrument without advice.</summary>
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly double[] _bounds;
    private readonly string[] _le;
    private readonly SeriesTable<State> _series;

    public HistogramFamily(Instrument instrument, IReadOnlyList<double>? bounds)
        : base(instrument, "histogram")
    {
        _bounds = bounds is { Count: > 0 } ? [.. bounds] : DefaultBounds;
        _le = [.. _bounds.Select(PrometheusText.Number), "+Inf"];
        var buckets = _bounds.Length + 1;
        _series = new(() => new State(buckets));
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Prometheus buckets are "less than or equal": the first bound >= value, else +Inf.
        var bucket = Array.BinarySearch(_bounds, value);
        if (bucket < 0)
        {
            bucket = ~bucket;
        }

        lock (Lock)
        {
            var state = _series.Get(tags);
            state.Buckets[bucket]++;
            state.Sum += value;
            state.Count++;
        }
    }

    protected override void WriteSeries(StringBuilder text)
    {
        for (var i = 0; i < _series.Count; i++)
        {
            var (labels, state) = _series[i];
            long cumulative = 0;
            for (var b = 0; b < state.Buckets.Length; b++)
            {
                cumulative += state.Buckets[b];
                PrometheusText.Sample(text, Name + "_bucket", labels, _le[b], cumulative);
            }

            PrometheusText.Sample(text, Name + "_sum", labels, null, state.Sum);
            PrometheusText.Sample(text, Name + "_count", labels, null, state.Count);
        }
    }

    private sealed class State(int buckets)
    {
        public long[] Buckets { get; } = new long[buckets];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
