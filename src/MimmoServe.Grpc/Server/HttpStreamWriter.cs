using Google.Protobuf;

namespace MimmoServe.Grpc.Server;

/// <summary>The response stream of a call; each message is flushed so that ping-pong exchanges make progress.</summary>
internal sealed class HttpStreamWriter<T> : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    private readonly ServerCallContext _context;

    public HttpStreamWriter(ServerCallContext context)
    {
        _context = context;
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _context.WriteMessageAsync(message, flush: true, cancellationToken);
    }
}
