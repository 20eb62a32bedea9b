using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Telemetry;

/// <summary>The telemetry's log events (source-generated; event ids 2200-2219; security has 2100-2119).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "OTLP export of metrics and traces to {Endpoint} over {Protocol}, service name {ServiceName}")]
    public static partial void OtlpExport(ILogger logger, string endpoint, string protocol, string serviceName);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Admin endpoint (HTTP/1.1): /metrics, /healthz, /readyz on port {Port}")]
    public static partial void AdminListening(ILogger logger, int port);
}
