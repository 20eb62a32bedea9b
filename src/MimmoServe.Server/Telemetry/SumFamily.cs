using System.Diagnostics.Metrics;
using System.Text;

namespace MimmoServe.Server.Telemetry;

/// <summary>A counter (values add up) or a gauge (the last value observed per series, forgotten before each observation).</summary>
internal sealed class SumFamily : MetricFamily
{
    private readonly SeriesTable<Box> _series = new(static () => new Box());
    private readonly bool _cumulative;

    public SumFamily(Instrument instrument, string type, bool cumulative)
        : base(instrument, type)
    {
        _cumulative = cumulative && !instrument.IsObservable;
        Observed = instrument.IsObservable;
    }

    private bool Observed { get; }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (Lock)
        {
            var box = _series.Get(tags);
            box.Value = _cumulative ? box.Value + value : value;
        }
    }

    public override void BeginCollect()
    {
        if (Observed)
        {
            lock (Lock)
            {
                _series.Clear();
            }
        }
    }

    protected override void WriteSeries(StringBuilder text)
    {
        for (var i = 0; i < _series.Count; i++)
        {
            var (labels, box) = _series[i];
            PrometheusText.Sample(text, Name, labels, null, box.Value);
        }
    }

    private sealed class Box
    {
        public double Value;
    }
}
