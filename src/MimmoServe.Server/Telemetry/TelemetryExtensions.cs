using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Telemetry;

/// <summary>The host's telemetry wiring: metrics, request spans, the admin listener and OTLP export.</summary>
internal static class TelemetryExtensions
{
    /// <summary>
    /// Adds this host's <see cref="ServingMetrics"/> (from the host's meter factory), the request telemetry, the
    /// Prometheus collector, the admin listener and the OTLP export. Call before the model host is added: hosted
    /// services stop in reverse order, so the export outlives the drain.
    /// </summary>
    public static IServiceCollection AddMimmoTelemetry(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton(sp => new ServingMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<RequestTelemetry>();
        services.AddSingleton<PrometheusCollector>();
        services.AddSingleton<AdminEndpoint>();
        services.AddSingleton<AdminListener>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<AdminListener>());
        services.AddHostedService<OtlpExport>();
        return services;
    }

    /// <summary>Puts the admin endpoint in front of gRPC (it answers admin connections only) and starts collecting.</summary>
    public static WebApplication UseMimmoAdmin(this WebApplication app)
    {
        var admin = app.Services.GetRequiredService<AdminEndpoint>();
        app.Use(admin.InvokeAsync);
        var listener = app.Services.GetRequiredService<AdminListener>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<AdminEndpoint>();
        app.Lifetime.ApplicationStarted.Register(() => TelemetryLog.AdminListening(logger, listener.Port ?? 0));
        return app;
    }
}
