using System.Net;

namespace MimmoServe.Grpc.Client;

/// <summary>The body of a call with one request message: its frame, serialized before the call starts.</summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _frame;

    public UnaryRequestContent(ReadOnlyMemory<byte> frame)
    {
        _frame = frame;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    // No content-length: gRPC bodies are streams, and grpc core servers neither need nor check it.
    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
