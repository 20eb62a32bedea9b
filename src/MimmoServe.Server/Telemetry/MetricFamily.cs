using System.Diagnostics.Metrics;
using System.Text;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// What the Prometheus exporter keeps of one instrument: its exposition name, HELP and TYPE, and its series.
/// Measurements arrive on any thread (<see cref="Record"/>, under the family's lock); a scrape writes under the same
/// lock, so it sees each series whole.
/// </summary>
internal abstract class MetricFamily
{
    protected MetricFamily(Instrument instrument, string type)
    {
        Name = PrometheusText.MetricName(instrument);
        Help = instrument.Description ?? instrument.Name;
        Type = type;
    }

    public string Name { get; }

    public string Help { get; }

    public string Type { get; }

    protected Lock Lock { get; } = new();

    /// <summary>The family of <paramref name="instrument"/>, or null for a kind the exporter does not export.</summary>
    public static MetricFamily? Create(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => new SumFamily(instrument, "counter", cumulative: true),
        ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double> or Gauge<long> or Gauge<int> or Gauge<double> => new SumFamily(instrument, "gauge", cumulative: false),
        // An up-down counter records changes (a sum that may fall); an observable one reports the current sum.
        UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> => new SumFamily(instrument, "gauge", cumulative: true),
        ObservableUpDownCounter<long> or ObservableUpDownCounter<int> or ObservableUpDownCounter<double> => new SumFamily(instrument, "gauge", cumulative: false),
        Histogram<double> histogram => new HistogramFamily(histogram, histogram.Advice?.HistogramBucketBoundaries),
        Histogram<long> histogram => new HistogramFamily(histogram, histogram.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray()),
        Histogram<int> histogram => new HistogramFamily(histogram, histogram.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray()),
        _ => null,
    };

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Forgets the series of an observed instrument before it is observed again; a no-op for the others.</summary>
    public virtual void BeginCollect()
    {
    }

    public void Write(StringBuilder text)
    {
        lock (Lock)
        {
            PrometheusText.Header(text, Name, Help, Type);
            WriteSeries(text);
        }
    }

    protected abstract void WriteSeries(StringBuilder text);
}
