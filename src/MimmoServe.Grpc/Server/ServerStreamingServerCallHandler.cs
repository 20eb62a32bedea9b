using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse> : ServerCallHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly ServerStreamingServerMethod<TRequest, TResponse> _handler;

    public ServerStreamingServerCallHandler(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler, GrpcServerServices services)
        : base(method, services)
    {
        _method = method;
        _handler = handler;
    }

    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(_method.RequestMarshaller).ConfigureAwait(false);
        await _handler(request, new HttpStreamWriter<TResponse>(context), context).ConfigureAwait(false);
    }
}
