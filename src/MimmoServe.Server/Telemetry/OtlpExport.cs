using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimmoServe.Serving.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// OTLP export of the MimmoServe meter and activity source when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (<see cref="OtlpSettings"/>). The providers are built here with <c>Sdk.Create*ProviderBuilder</c> (the registry has
/// no OpenTelemetry.Extensions.Hosting) and disposed when the host stops, which exports what is left. Registered before
/// the model host, so it stops after the drain and exports its figures too.
/// </summary>
internal sealed class OtlpExport : IHostedService, IDisposable
{
    private readonly OtlpSettings? _settings;
    private readonly ILogger _logger;
    private MeterProvider? _meters;
    private TracerProvider? _tracer;

    public OtlpExport(IConfiguration configuration, ILogger<OtlpExport> logger)
    {
        _settings = OtlpSettings.From(configuration);
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings is not { } settings)
        {
            return Task.CompletedTask;
        }

        _meters = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .AddMeter(TelemetryNames.Source, PrometheusCollector.RuntimeMeter)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, settings, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.ExportIntervalMilliseconds;
            })
            .Build();
        _tracer = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .AddSource(TelemetryNames.Source)
            .AddOtlpExporter(exporter => Configure(exporter, settings, "v1/traces"))
            .Build();
        TelemetryLog.OtlpExport(_logger, settings.Endpoint.ToString(), settings.HttpProtobuf ? "http/protobuf" : "grpc", settings.ServiceName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _tracer, null)?.Dispose();
        Interlocked.Exchange(ref _meters, null)?.Dispose();
    }

    private static void Configure(OtlpExporterOptions exporter, OtlpSettings settings, string signalPath)
    {
        exporter.Protocol = settings.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        exporter.Endpoint = settings.SignalEndpoint(signalPath);
    }
}
