using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>The request stream of a call, read message by message from the HTTP/2 request body.</summary>
internal sealed class HttpStreamReader<T> : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private readonly ServerCallContext _context;
    private readonly Marshaller<T> _marshaller;
    private T? _current;

    public HttpStreamReader(ServerCallContext context, Marshaller<T> marshaller)
    {
        _context = context;
        _marshaller = marshaller;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNextAsync has not returned true.");

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        _current = await _context.ReadMessageAsync(_marshaller, cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}
