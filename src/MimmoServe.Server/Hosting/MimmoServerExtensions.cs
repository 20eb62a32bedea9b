using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Grpc.Server;
using MimmoServe.Onnx;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Security;
using MimmoServe.Server.Services;
using MimmoServe.Server.Telemetry;

namespace MimmoServe.Server.Hosting;

/// <summary>The host's wiring, so that Program.cs stays a few lines (as in eShop's service defaults).</summary>
public static class MimmoServerExtensions
{
    /// <summary>
    /// Adds the server: options "Mimmo" (validated at start-up) and "Onnx", the gRPC layer ("Grpc": TLS, message
    /// limits; its port and address come from Mimmo:Port and Mimmo:ListenAddress), health, reflection, the model host
    /// and mimmo.v1.Inference.
    /// </summary>
    public static WebApplicationBuilder AddMimmoServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MimmoServerOptions>().Bind(builder.Configuration.GetSection(MimmoServerOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MimmoServerOptions>, MimmoServerOptionsValidator>());
        services.AddOptions<OnnxRuntimeOptions>().Bind(builder.Configuration.GetSection("Onnx"));
        services.AddOptions<GrpcServerOptions>().Bind(builder.Configuration.GetSection(GrpcServerOptions.SectionName));
        services.AddSingleton<IPostConfigureOptions<GrpcServerOptions>, GrpcEndpointFromServerOptions>();
        services.AddSingleton<CallAccess>();
        // Tokens are checked and request sizes chosen before a request body is read; health hides model names from callers without a token.
        services.AddSingleton<IServerCallGate, InferenceCallGate>();
        services.AddSingleton<IHealthNameResolver, HealthNameGuard>();
        services.AddGrpcServer().AddService<InferenceService>().AddService<OpenInferenceService>();
        services.AddMimmoTelemetry();
        // The host waits for the grace period (ModelHost) plus a margin before it gives up on stopping.
        services.AddOptions<HostOptions>().Configure<IOptions<MimmoServerOptions>>((host, mimmo) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(mimmo.Value.ShutdownGraceSeconds + MimmoServerOptions.ShutdownMarginSeconds));
        services.AddSingleton<CallPathWarmup>();
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        return builder;
    }

    /// <summary>The admin endpoint (/metrics, /healthz, /readyz on the admin port) and every gRPC service (mimmo.v1.Inference, grpc.health.v1.Health, reflection v1 and v1alpha).</summary>
    public static WebApplication MapMimmoServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMimmoAdmin();
        app.MapGrpcServices();
        return app;
    }
}
