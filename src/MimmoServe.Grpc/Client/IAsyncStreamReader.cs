namespace MimmoServe.Grpc.Client;

/// <summary>The response messages of a streaming call, read one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>
    /// Reads the next message: true when there is one, false when the call ended with OK. A call that ended
    /// with another status throws <see cref="Protocol.RpcException"/>. Not to be called concurrently.
    /// </summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}
