using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Tests.Telemetry;

/// <summary>Every measurement of one <see cref="ServingMetrics"/>, as a listener receives it.</summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)> _measurements = new();

    public RecordedMeasurements(ServingMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    /// <summary>The values recorded on <paramref name="instrument"/>, in order, with their tags.</summary>
    public List<(double Value, Dictionary<string, string?> Tags)> Of(string instrument) =>
        [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

    /// <summary>Called with the instrument's name as each measurement is recorded, on the recording thread.</summary>
    public Action<string>? Recording { get; set; }

    /// <summary>Observes the gauges now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value as string;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
        Recording?.Invoke(instrument.Name);
    }
}
