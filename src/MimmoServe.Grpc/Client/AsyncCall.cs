using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// What every call shape offers: its response headers, and once it is over, its status and trailers.
/// Disposing a call that is not over cancels it (the stream is reset).
/// </summary>
public abstract class AsyncCall : IDisposable
{
    private readonly IGrpcCall _call;

    private protected AsyncCall(IGrpcCall call)
    {
        _call = call;
    }

    /// <summary>
    /// The response headers. For a call the server answered with a status only (trailers-only), the metadata
    /// of that single header block. Throws <see cref="RpcException"/> when the call failed before any.
    /// </summary>
    public Task<Metadata> ResponseHeadersAsync => _call.GetResponseHeadersAsync();

    /// <summary>The status; throws <see cref="InvalidOperationException"/> while the call is in progress.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> while the call is in progress.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose()
    {
        _call.Dispose();
        GC.SuppressFinalize(this);
    }
}
