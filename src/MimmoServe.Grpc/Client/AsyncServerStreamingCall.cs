namespace MimmoServe.Grpc.Client;

/// <summary>A server-streaming call in progress: read the responses from <see cref="ResponseStream"/>.</summary>
public sealed class AsyncServerStreamingCall<TResponse> : AsyncCall
{
    internal AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, IGrpcCall call)
        : base(call)
    {
        ResponseStream = responseStream;
    }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}
