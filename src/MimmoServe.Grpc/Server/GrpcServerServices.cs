using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>What every call handler needs, resolved once: options, encodings, clock and logger.</summary>
internal sealed class GrpcServerServices
{
    public GrpcServerServices(IOptions<GrpcServerOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        TimeProvider = timeProvider;
        Logger = loggerFactory.CreateLogger("MimmoServe.Grpc.Server");
        Compression = CompressionProviders.Default;
    }

    public GrpcServerOptions Options { get; }

    public CompressionProviders Compression { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }
}
