namespace MimmoServe.Grpc.Server;

/// <summary>The request stream of a client-streaming or bidirectional call. Not thread-safe: one reader at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false when the client has half-closed the stream.</summary>
    ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default);
}
