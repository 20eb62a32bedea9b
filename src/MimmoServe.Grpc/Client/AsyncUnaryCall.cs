using System.Runtime.CompilerServices;

namespace MimmoServe.Grpc.Client;

/// <summary>A unary call in progress: await it (or <see cref="ResponseAsync"/>) for the response.</summary>
public sealed class AsyncUnaryCall<TResponse> : AsyncCall
{
    internal AsyncUnaryCall(Task<TResponse> responseAsync, IGrpcCall call)
        : base(call)
    {
        ResponseAsync = responseAsync;
    }

    /// <summary>The response; faults with <see cref="Protocol.RpcException"/> when the status is not OK.</summary>
    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
}
