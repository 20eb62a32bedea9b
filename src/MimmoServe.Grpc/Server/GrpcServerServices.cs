using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>What every call handler needs, resolved once: options, encodings, the call gate, the request budget, clock and logger.</summary>
internal sealed class GrpcServerServices
{
    private static readonly CompressionProviders IdentityOnly = new([]);

    public GrpcServerServices(IOptions<GrpcServerOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, IServerCallGate? gate = null)
    {
        Options = options.Value;
        TimeProvider = timeProvider;
        Logger = loggerFactory.CreateLogger("MimmoServe.Grpc.Server");
        Gate = gate;
        Budget = new ReceiveBudget(Options.MaxRequestBytesInFlight);
        RequestCompression = Options.EnableRequestCompression ? CompressionProviders.Default : IdentityOnly;
        ResponseCompression = CompressionProviders.Default;
    }

    public GrpcServerOptions Options { get; }

    /// <summary>What requests may be compressed with; its grpc-accept-encoding goes out on every response.</summary>
    public CompressionProviders RequestCompression { get; }

    /// <summary>What responses may be compressed with, when the call compresses them and the client accepts it.</summary>
    public CompressionProviders ResponseCompression { get; }

    /// <summary>The host's gate, or null: every call goes on.</summary>
    public IServerCallGate? Gate { get; }

    /// <summary>Request bytes held across all calls (<see cref="GrpcServerOptions.MaxRequestBytesInFlight"/>).</summary>
    public ReceiveBudget Budget { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    /// <summary>The limits of the request messages of one call of <paramref name="method"/>.</summary>
    public ReceiveLimits ReceiveLimitsFor(IMethod method)
    {
        var max = Options.MaxReceiveMessageSize;
        if (Gate is { } gate)
        {
            max = Math.Clamp(gate.GetMaxReceiveMessageSize(method), 0, max);
        }

        return new ReceiveLimits(max, Options.MaxRequestExpansionRatio, Budget, BoundParsing: true);
    }
}
