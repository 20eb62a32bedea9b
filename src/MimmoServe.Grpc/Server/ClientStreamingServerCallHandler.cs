using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

internal sealed class ClientStreamingServerCallHandler<TRequest, TResponse> : ServerCallHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly ClientStreamingServerMethod<TRequest, TResponse> _handler;

    public ClientStreamingServerCallHandler(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler, GrpcServerServices services)
        : base(method, services)
    {
        _method = method;
        _handler = handler;
    }

    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var requests = new HttpStreamReader<TRequest>(context, _method.RequestMarshaller);
        var response = await _handler(requests, context).ConfigureAwait(false);
        await context.WriteMessageAsync(response, flush: false, CancellationToken.None).ConfigureAwait(false);
    }
}
