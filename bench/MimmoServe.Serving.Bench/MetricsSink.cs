using System.Diagnostics.Metrics;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Bench;

/// <summary>A listener that enables every instrument of one <see cref="ServingMetrics"/> and adds up what it receives, so recording does its full work.</summary>
internal static class MetricsSink
{
    private static double _sum;

    public static MeterListener Listen(ServingMetrics metrics)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>(static (_, value, _, _) => Add(value));
        listener.SetMeasurementEventCallback<int>(static (_, value, _, _) => Add(value));
        listener.SetMeasurementEventCallback<double>(static (_, value, _, _) => Add(value));
        listener.Start();
        return listener;
    }

    private static void Add(double value)
    {
        double seen, sum;
        do
        {
            seen = Volatile.Read(ref _sum);
            sum = seen + value;
        }
        while (Interlocked.CompareExchange(ref _sum, sum, seen) != seen);
    }
}
