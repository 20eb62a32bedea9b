using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// The standard OpenTelemetry variables the server reads (from the configuration, which holds the environment):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (export on when set), <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c>, the
/// default, or <c>http/protobuf</c>), <c>OTEL_SERVICE_NAME</c> (default "mimmoserve"), <c>OTEL_METRIC_EXPORT_INTERVAL</c>
/// (milliseconds, default 60000).
/// </summary>
internal sealed record OtlpSettings(Uri Endpoint, bool HttpProtobuf, string ServiceName, int ExportIntervalMilliseconds)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";
    public const string IntervalVariable = "OTEL_METRIC_EXPORT_INTERVAL";
    public const string DefaultServiceName = "mimmoserve";
    public const int DefaultExportIntervalMilliseconds = 60000;

    /// <summary>The settings, or null when no endpoint is set (no export).</summary>
    /// <exception cref="InvalidOperationException">A variable has a value the server cannot use; the message names it.</exception>
    public static OtlpSettings? From(IConfiguration configuration)
    {
        if (configuration[EndpointVariable] is not { Length: > 0 } endpoint)
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"{EndpointVariable} must be an http:// or https:// URL, got '{endpoint}'.");
        }

        var protocol = configuration[ProtocolVariable] is { Length: > 0 } p ? p.Trim() : "grpc";
        if (protocol is not ("grpc" or "http/protobuf"))
        {
            throw new InvalidOperationException($"{ProtocolVariable} must be grpc or http/protobuf, got '{protocol}'.");
        }

        var interval = DefaultExportIntervalMilliseconds;
        if (configuration[IntervalVariable] is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out interval) || interval < 1))
        {
            throw new InvalidOperationException($"{IntervalVariable} must be a positive number of milliseconds, got '{text}'.");
        }

        var service = configuration[ServiceNameVariable] is { Length: > 0 } name ? name : DefaultServiceName;
        return new OtlpSettings(uri, protocol == "http/protobuf", service, interval);
    }

    /// <summary>
    /// The URL of one signal: over http/protobuf the SDK uses a URL set in code as it is, so the signal's path
    /// (<c>v1/metrics</c>, <c>v1/traces</c>) is appended here as the SDK does for the variable; over gRPC the endpoint itself.
    /// </summary>
    public Uri SignalEndpoint(string signalPath) =>
        HttpProtobuf ? new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : Endpoint;
}
