using System.Diagnostics.Metrics;
using System.Text;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// Our own Prometheus exporter (the registry has no OpenTelemetry Prometheus package): a <see cref="MeterListener"/>
/// on this host's <see cref="ServingMetrics.Meter"/> (another host's meter of the same name, in the same process, is
/// not ours) and on the .NET runtime's own meter (<see cref="RuntimeMeter"/>: garbage collections, bytes allocated,
/// thread pool, JIT, CPU time; one per process) that aggregates every measurement as it arrives, and writes the text
/// format on <see cref="Collect"/>. Counters and histograms are cumulative from start-up; observable instruments are
/// observed at each collection.
/// </summary>
internal sealed class PrometheusCollector : IDisposable
{
    /// <summary>The runtime's built-in meter (.NET 9 and later), e.g. <c>dotnet.gc.heap.total_allocated</c>.</summary>
    public const string RuntimeMeter = "System.Runtime";

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<MetricFamily> _families = [];

    public PrometheusCollector(ServingMetrics metrics)
    {
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            var ours = ReferenceEquals(instrument.Meter, meter) || instrument.Meter.Name == RuntimeMeter;
            if (!ours || MetricFamily.Create(instrument) is not { } family)
            {
                return;
            }

            lock (_lock)
            {
                _families.Add(family);
            }

            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Observes the gauges and writes every family, sorted by name.</summary>
    public string Collect()
    {
        lock (_lock)
        {
            foreach (var family in _families)
            {
                family.BeginCollect();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder(4096);
            foreach (var family in _families.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.Write(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
