using System.Net;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// The body of a call with a request stream. The HTTP stack calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// when it starts sending the request; this hands the stream to the writer and keeps the body open until
/// <see cref="Complete"/> (half-close) or the call ends. The stack sends the request headers only once the
/// body is first flushed, so the writer must not wait for the response headers before its first write.
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
        _stream.TrySetResult(stream);
        await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
