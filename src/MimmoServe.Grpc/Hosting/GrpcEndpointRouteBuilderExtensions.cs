using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MimmoServe.Grpc.Reflection;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Hosting;

public static class GrpcEndpointRouteBuilderExtensions
{

    /// <summary>
    /// Maps every method of every hosted service to POST /Service/Method, and any other /Service/Method
    /// to UNIMPLEMENTED (HTTP 200, trailers-only), as gRPC clients expect.
    /// </summary>
    public static IEndpointRouteBuilder MapGrpcServices(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var provider = endpoints.ServiceProvider;
        var services = provider.GetRequiredService<GrpcServerServices>();
        var registry = provider.GetRequiredService<GrpcServiceRegistry>();
        foreach (var service in provider.GetServices<IGrpcService>())
        {
            if (!services.Options.EnableReflection && service is ReflectionService)
            {
                continue;
            }

            var definition = service.BindService();
            registry.Add(definition);
            foreach (var method in definition.Methods)
            {
                var handler = method.CreateHandler(services);
                endpoints.MapPost(method.Method.FullName, handler.HandleCallAsync)
                    .WithDisplayName("gRPC " + method.Method.FullName);
            }
        }

        var unimplemented = provider.GetRequiredService<UnimplementedCallHandler>();
        // Literal routes above win over this parameter route; it catches only unknown /Service/Method paths.
        endpoints.MapPost("/{service}/{method}", unimplemented.HandleCallAsync)
            .WithDisplayName("gRPC unimplemented");
        return endpoints;
    }
}
