using System.Diagnostics.Metrics;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Tests.Telemetry;

/// <summary>
/// A broken metrics listener on one <see cref="ServingMetrics"/>: it throws from the first <c>times</c> measurements of
/// <c>instrument</c> whose tag <c>tag</c> (when given) has the value <c>value</c>. Instruments do not catch what a
/// listener throws, so this is a real fault inside the code that records a run after ONNX Runtime has run it.
/// </summary>
internal sealed class ThrowingMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private int _left;

    public ThrowingMeasurements(ServingMetrics metrics, string instrument, int times, string? tag = null, string? value = null)
    {
        _left = times;
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (ReferenceEquals(published.Meter, metrics.Meter) && published.Name == instrument)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => Throw(tags, tag, value));
        _listener.SetMeasurementEventCallback<int>((_, _, tags, _) => Throw(tags, tag, value));
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Throw(tags, tag, value));
        _listener.Start();
    }

    /// <summary>How many times it has thrown.</summary>
    public int Thrown { get; private set; }

    public void Dispose() => _listener.Dispose();

    private void Throw(ReadOnlySpan<KeyValuePair<string, object?>> tags, string? tag, string? value)
    {
        if (tag is not null)
        {
            var found = false;
            foreach (var t in tags)
            {
                found |= t.Key == tag && Equals(t.Value, value);
            }

            if (!found)
            {
                return;
            }
        }

        if (Interlocked.Decrement(ref _left) >= 0)
        {
            Thrown++;
            throw new InvalidOperationException("injected failure of a metrics listener");
        }
    }
}
