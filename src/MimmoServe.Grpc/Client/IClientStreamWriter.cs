namespace MimmoServe.Grpc.Client;

/// <summary>The request messages of a client-streaming or bidirectional call.</summary>
public interface IClientStreamWriter<in T>
{
    /// <summary>
    /// Sends one message and flushes it. One write at a time; a write after the call ended throws
    /// <see cref="Protocol.RpcException"/> with its status (or <see cref="InvalidOperationException"/> if it ended OK).
    /// </summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Half-closes the request stream: no more messages. Waits for a write in progress.</summary>
    Task CompleteAsync();
}
