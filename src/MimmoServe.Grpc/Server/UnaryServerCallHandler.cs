using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

internal sealed class UnaryServerCallHandler<TRequest, TResponse> : ServerCallHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly UnaryServerMethod<TRequest, TResponse> _handler;

    public UnaryServerCallHandler(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler, GrpcServerServices services)
        : base(method, services)
    {
        _method = method;
        _handler = handler;
    }

    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var request = await context.ReadSingleMessageAsync(_method.RequestMarshaller).ConfigureAwait(false);
        var response = await _handler(request, context).ConfigureAwait(false);
        await context.WriteMessageAsync(response, flush: false, CancellationToken.None).ConfigureAwait(false);
    }
}
