using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// The Prometheus text exposition format 0.0.4: metric names from OpenTelemetry instrument names, HELP and TYPE lines,
/// samples with escaped label values, numbers as Go's strconv would print them (+Inf, -Inf, NaN).
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// <c>mimmo.request.duration</c> with unit <c>s</c> becomes <c>mimmo_request_duration_seconds</c>; a counter gets
    /// <c>_total</c>; characters outside [a-zA-Z0-9_:] become '_'; units in braces (annotations) and "1" add nothing.
    /// </summary>
    public static string MetricName(Instrument instrument)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        var suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            name.Append(suffix);
        }

        if (instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>)
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    public static void Header(StringBuilder text, string name, string help, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ');
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }

        text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>One sample line; <paramref name="le"/> adds the histogram bucket's label last.</summary>
    public static void Sample(StringBuilder text, string name, KeyValuePair<string, string>[] labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (key, labelValue) in labels)
            {
                Label(text, key, labelValue, ref first);
            }

            if (le is not null)
            {
                Label(text, "le", le, ref first);
            }

            text.Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void Label(StringBuilder text, string key, string value, ref bool first)
    {
        if (!first)
        {
            text.Append(',');
        }

        first = false;
        // Label names are [a-zA-Z_][a-zA-Z0-9_]*: the runtime's tags are dotted (gc.heap.generation -> gc_heap_generation).
        foreach (var c in key)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        text.Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }
}
