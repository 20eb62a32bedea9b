using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>Starts calls of the four gRPC shapes on a <see cref="GrpcChannel"/>. Each call starts at once; nothing here blocks.</summary>
public sealed class CallInvoker
{
    private readonly GrpcChannel _channel;

    internal CallInvoker(GrpcChannel channel)
    {
        _channel = channel;
    }

    public AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = Start(method, MethodType.Unary, request, options);
        return new AsyncUnaryCall<TResponse>(call.ReadUnaryResponseAsync(), call);
    }

    public AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = Start(method, MethodType.ServerStreaming, request, options);
        return new AsyncServerStreamingCall<TResponse>(new ResponseStreamReader<TRequest, TResponse>(call), call);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = Start(method, MethodType.ClientStreaming, null, options);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestWriter!, call.ReadUnaryResponseAsync(), call);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = Start(method, MethodType.DuplexStreaming, null, options);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestWriter!, new ResponseStreamReader<TRequest, TResponse>(call), call);
    }

    private GrpcCall<TRequest, TResponse> Start<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType shape, TRequest? request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != shape)
        {
            throw new ArgumentException($"{method.FullName} is a {method.Type} method, not {shape}.", nameof(method));
        }

        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        call.Start(request);
        return call;
    }
}
