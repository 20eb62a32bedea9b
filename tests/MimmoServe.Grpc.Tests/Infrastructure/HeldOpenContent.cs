using System.Net;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>
/// A request body that sends some bytes, flushes them, then neither sends more nor ends the stream until
/// <see cref="Finish"/> is called or the request is cancelled: a client that stops mid-message.
/// </summary>
internal sealed class HeldOpenContent : HttpContent
{
    private readonly byte[] _bytes;
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HeldOpenContent(byte[] bytes)
    {
        _bytes = bytes;
    }

    /// <summary>Completes once the bytes have been flushed to the connection.</summary>
    public Task Sent => _sent.Task;

    public void Finish() => _finish.TrySetResult();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        _sent.TrySetResult();
        await _finish.Task.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
