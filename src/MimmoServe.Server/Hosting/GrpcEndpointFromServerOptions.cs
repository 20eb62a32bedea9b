using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Server.Hosting;

/// <summary>The gRPC endpoint listens where the host's options say (Mimmo:Port, Mimmo:ListenAddress), whatever the "Grpc" section has.</summary>
internal sealed class GrpcEndpointFromServerOptions : IPostConfigureOptions<GrpcServerOptions>
{
    private readonly IOptions<MimmoServerOptions> _options;

    public GrpcEndpointFromServerOptions(IOptions<MimmoServerOptions> options)
    {
        _options = options;
    }

    public void PostConfigure(string? name, GrpcServerOptions options)
    {
        options.Port = _options.Value.Port;
        options.ListenAddress = _options.Value.ListenAddress;
    }
}
