using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>The type-free view of a call that the public call objects wrap.</summary>
internal interface IGrpcCall : IDisposable
{
    Task<Metadata> GetResponseHeadersAsync();

    Status GetStatus();

    Metadata GetTrailers();
}
