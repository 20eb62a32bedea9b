using System.Runtime.CompilerServices;

namespace MimmoServe.Grpc.Server;

public static class AsyncStreamReaderExtensions
{
    /// <summary>Enumerates the remaining messages of a request stream.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
