using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// Reads length-prefixed gRPC messages from a <see cref="PipeReader"/>. A message may be split across
/// any number of segments and reads; a zero-length message is valid; the declared length is checked
/// against the limit before any of the payload is buffered, so a huge declared length costs nothing.
/// </summary>
internal static class GrpcFrameReader
{
    /// <summary>
    /// Splits one whole frame off the front of <paramref name="buffer"/>. False when more bytes are needed.
    /// Throws <see cref="RpcException"/> (RESOURCE_EXHAUSTED) as soon as a header declares more than <paramref name="maxMessageSize"/>.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out GrpcFrameHeader header, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (!GrpcFrameHeader.TryRead(buffer, out header))
        {
            return false;
        }

        if (header.Length > (uint)maxMessageSize)
        {
            throw new RpcException(GrpcFrameStatus.ReceiveTooLarge(header.Length, maxMessageSize));
        }

        var frameLength = GrpcFrameHeader.Size + (long)header.Length;
        if (buffer.Length < frameLength)
        {
            return false;
        }

        payload = buffer.Slice(GrpcFrameHeader.Size, header.Length);
        buffer = buffer.Slice(frameLength);
        return true;
    }

    /// <summary>
    /// Reads and parses the next message; null when the stream ends cleanly between messages.
    /// A stream that ends inside a message throws INTERNAL; a malformed payload throws <see cref="InvalidProtocolBufferException"/>.
    /// </summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, int maxMessageSize, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (TryReadFrame(ref buffer, maxMessageSize, out var header, out var payload))
                {
                    consumed = buffer.Start;
                    examined = consumed;
                    return Parse(marshaller, header, payload, maxMessageSize, decompressor);
                }

                if (result.IsCompleted)
                {
                    if (buffer.Length == 0)
                    {
                        return null;
                    }

                    throw new RpcException(GrpcFrameStatus.IncompleteMessage);
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The read was cancelled.");
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>
    /// Reads the one message of a unary request (or reply) and checks that the stream ends after it: INTERNAL
    /// when there is no message or a second one. When the end of the stream arrived with the message, as it
    /// usually does, no second read is needed.
    /// </summary>
    public static async ValueTask<T> ReadSingleMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, int maxMessageSize, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        T? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (message is null && TryReadFrame(ref buffer, maxMessageSize, out var header, out var payload))
                {
                    consumed = buffer.Start;
                    examined = consumed;
                    message = Parse(marshaller, header, payload, maxMessageSize, decompressor);
                }

                if (message is not null && !buffer.IsEmpty)
                {
                    throw new RpcException(GrpcFrameStatus.ExtraMessage);
                }

                if (result.IsCompleted)
                {
                    return message ?? throw new RpcException(buffer.IsEmpty ? GrpcFrameStatus.MissingMessage : GrpcFrameStatus.IncompleteMessage);
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The read was cancelled.");
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, examined);
            }
        }
    }

    private static T Parse<T>(Marshaller<T> marshaller, GrpcFrameHeader header, in ReadOnlySequence<byte> payload, int maxMessageSize, ICompressionProvider? decompressor)
        where T : class, IMessage<T> =>
        header.IsCompressed ? Decompress(marshaller, payload, maxMessageSize, decompressor) : marshaller.Deserialize(payload);

    private static T Decompress<T>(Marshaller<T> marshaller, in ReadOnlySequence<byte> payload, int maxMessageSize, ICompressionProvider? decompressor)
        where T : class, IMessage<T>
    {
        if (decompressor is null)
        {
            throw new RpcException(GrpcFrameStatus.CompressedWithoutEncoding);
        }

        var compressed = payload.ToArray();
        using var input = new MemoryStream(compressed, writable: false);
        var output = new MemoryStream();
        try
        {
            using var decompression = decompressor.CreateDecompressionStream(input);
            var chunk = new byte[Math.Min(16 * 1024, maxMessageSize + 1)];
            int read;
            while ((read = decompression.Read(chunk, 0, chunk.Length)) > 0)
            {
                // The limit applies to the decompressed message too: a small gzip bomb must not allocate gigabytes.
                if (output.Length + read > maxMessageSize)
                {
                    throw new RpcException(GrpcFrameStatus.ReceiveTooLarge(output.Length + read, maxMessageSize));
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(GrpcFrameStatus.InvalidCompressedData, new Metadata(), ex);
        }

        return marshaller.Deserialize(new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length));
    }
}
