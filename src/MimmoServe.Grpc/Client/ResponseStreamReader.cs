using Google.Protobuf;

namespace MimmoServe.Grpc.Client;

/// <summary>The response stream of a server-streaming or bidi call.</summary>
internal sealed class ResponseStreamReader<TRequest, TResponse> : IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcCall<TRequest, TResponse> _call;
    private TResponse? _current;

    public ResponseStreamReader(GrpcCall<TRequest, TResponse> call)
    {
        _call = call;
    }

    public TResponse Current => _current ?? throw new InvalidOperationException("No message has been read; call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await _call.ReadStreamMessageAsync(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}
