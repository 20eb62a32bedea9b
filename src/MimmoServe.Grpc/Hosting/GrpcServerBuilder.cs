using Microsoft.Extensions.DependencyInjection;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Hosting;

/// <summary>Returned by <see cref="GrpcServiceCollectionExtensions.AddGrpcServer"/> to add the application's services.</summary>
public sealed class GrpcServerBuilder
{
    internal GrpcServerBuilder(IServiceCollection services)
    {
        Services = services;
    }

    public IServiceCollection Services { get; }

    /// <summary>Hosts <typeparamref name="TService"/>, a singleton whose <see cref="IGrpcService.BindService"/> runs at mapping time.</summary>
    public GrpcServerBuilder AddService<TService>()
        where TService : class, IGrpcService
    {
        Services.AddSingleton<TService>();
        Services.AddSingleton<IGrpcService>(sp => sp.GetRequiredService<TService>());
        return this;
    }
}
