namespace MimmoServe.Deploy.Tests.Infrastructure;

internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}
