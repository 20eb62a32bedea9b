using System.Net;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// The body of a call with a request stream. The HTTP stack calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// when it starts sending the request; this hands the stream to the writer and keeps the body open until
/// <see cref="Complete"/> (half-close) or the call ends. The stack sends the request headers only when the
/// body is first flushed; this flushes at once, so the call starts before the first message is written.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request body stream, once the HTTP stack has opened it; faults if the call ended first.</summary>
    public Task<Stream> GetStreamAsync() => _stream.Task;

    /// <summary>Ends the request body (END_STREAM).</summary>
    public void Complete() => _completed.TrySetResult();

    /// <summary>The call ended: writers waiting for the stream get <paramref name="failure"/>, and the body ends.</summary>
    public void Abort(Exception failure)
    {
        _stream.TrySetException(failure);
        _completed.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler holds the HEADERS frame of a request with a body until the connection is next
        // flushed. Flush now, before any message, so that a server that answers with headers first (a
        // caller awaiting them before its first write) sees the call start; a chatty peer such as grpc core,
        // whose PINGs make the client flush, would otherwise hide the hang.
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
