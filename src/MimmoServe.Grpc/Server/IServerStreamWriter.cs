namespace MimmoServe.Grpc.Server;

/// <summary>The response stream of a server-streaming or bidirectional call. Not thread-safe: one write at a time.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Writes one message and flushes it, so that ping-pong exchanges make progress.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
