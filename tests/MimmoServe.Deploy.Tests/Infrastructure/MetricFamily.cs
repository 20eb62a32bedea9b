namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>A Prometheus metric family the server exposes on the admin port's /metrics, with its labels.</summary>
internal sealed record MetricFamily(string Name, MetricKind Kind, params string[] Labels)
{
    /// <summary>
    /// The families agreed for issues 7 and 8 (text format 0.0.4). The telemetry branch implements them; until it is
    /// merged, this list is what the dashboard, the HPA and the adapter rule are checked against.
    /// </summary>
    public static readonly MetricFamily[] Agreed =
    [
        new("mimmo_requests_total", MetricKind.Counter, "model", "mode", "status"),
        new("mimmo_request_duration_seconds", MetricKind.Histogram, "model", "mode"),
        new("mimmo_queue_duration_seconds", MetricKind.Histogram, "model"),
        new("mimmo_compute_duration_seconds", MetricKind.Histogram, "model"),
        new("mimmo_run_inputs", MetricKind.Histogram, "model"),
        new("mimmo_run_rows", MetricKind.Histogram, "model"),
        new("mimmo_slot_fill_ratio", MetricKind.Histogram, "model"),
        new("mimmo_queue_depth", MetricKind.Gauge, "model"),
        new("mimmo_shed_total", MetricKind.Counter, "model", "reason"),
        new("mimmo_execution_provider", MetricKind.Gauge, "model", "provider"),
        new("mimmo_prediction_entropy", MetricKind.Histogram, "model", "mode"),
        new("mimmo_prediction_mutual_information", MetricKind.Histogram, "model", "mode"),
    ];

    /// <summary>Labels every scraped series may carry besides its own: the target's and Kubernetes' (added by Prometheus).</summary>
    public static readonly string[] TargetLabels = ["job", "instance", "namespace", "pod", "service"];

    /// <summary>The labels a series of this family may have: a histogram's _bucket series add <c>le</c>.</summary>
    public IEnumerable<string> SeriesLabels => Kind == MetricKind.Histogram ? [.. Labels, "le", .. TargetLabels] : [.. Labels, .. TargetLabels];

    /// <summary>The family a series name belongs to (<c>x_bucket</c>, <c>x_sum</c>, <c>x_count</c> of a histogram x), or null.</summary>
    public static MetricFamily? OfSeries(string series)
    {
        if (Array.Find(Agreed, f => f.Name == series) is { } exact)
        {
            return exact;
        }

        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal)
                && Array.Find(Agreed, f => f.Kind == MetricKind.Histogram && f.Name == series[..^suffix.Length]) is { } histogram)
            {
                return histogram;
            }
        }

        return null;
    }

    /// <summary>
    /// Names under which code may define this family, with dots as underscores (an OpenTelemetry instrument
    /// <c>mimmo.queue.duration</c> in seconds is exported as <c>mimmo_queue_duration_seconds</c>): the name itself, and
    /// the name without the <c>_total</c> a Prometheus exporter appends to counters or without its unit suffix.
    /// </summary>
    public IReadOnlyList<string> CodeSpellings()
    {
        var names = new List<string> { Name };
        foreach (var suffix in (string[])["_total", "_seconds", "_ratio"])
        {
            if (Name.EndsWith(suffix, StringComparison.Ordinal))
            {
                names.Add(Name[..^suffix.Length]);
            }
        }

        return names;
    }
}
