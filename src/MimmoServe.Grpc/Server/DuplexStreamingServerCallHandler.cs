using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

internal sealed class DuplexStreamingServerCallHandler<TRequest, TResponse> : ServerCallHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse> _handler;

    public DuplexStreamingServerCallHandler(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler, GrpcServerServices services)
        : base(method, services)
    {
        _method = method;
        _handler = handler;
    }

    protected override Task HandleCoreAsync(ServerCallContext context) =>
        _handler(new HttpStreamReader<TRequest>(context, _method.RequestMarshaller), new HttpStreamWriter<TResponse>(context), context);
}
