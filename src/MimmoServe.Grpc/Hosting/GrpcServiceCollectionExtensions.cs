using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Reflection;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Hosting;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gRPC server: options (validated at start-up), health (grpc.health.v1, flipped with the
    /// host's life), reflection (v1 and v1alpha) and, when <see cref="GrpcServerOptions.Port"/> is set, the
    /// Kestrel endpoint. Map the endpoints with <see cref="GrpcEndpointRouteBuilderExtensions.MapGrpcServices"/>.
    /// </summary>
    public static GrpcServerBuilder AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrpcServerOptions>, GrpcServerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, GrpcKestrelSetup>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddRouting();
        services.TryAddSingleton<GrpcServerServices>();
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<UnimplementedCallHandler>();

        services.TryAddSingleton<HealthStatusRegistry>();
        services.AddSingleton<IGrpcService, HealthService>();
        services.AddHostedService<HealthLifetimeService>();

        services.TryAddSingleton<ReflectionResponder>();
        services.AddSingleton<IGrpcService>(sp => ReflectionService.V1(sp.GetRequiredService<ReflectionResponder>()));
        services.AddSingleton<IGrpcService>(sp => ReflectionService.V1Alpha(sp.GetRequiredService<ReflectionResponder>()));
        return new GrpcServerBuilder(services);
    }
}
