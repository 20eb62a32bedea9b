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
    /// Throws <see cref="RpcException"/> (RESOURCE_EXHAUSTED) as soon as a header declares more than the limit, or, with
    /// a budget, when the message does not fit in it; <paramref name="reserved"/> holds what this message reserved.
    /// </summary>
    public static bool TryReadFrame(
        ref ReadOnlySequence<byte> buffer, in ReceiveLimits limits, ref long reserved, out GrpcFrameHeader header, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (!GrpcFrameHeader.TryRead(buffer, out header))
        {
            return false;
        }

        if (header.Length > (uint)limits.MaxMessageSize)
        {
            throw new RpcException(GrpcFrameStatus.ReceiveTooLarge(header.Length, limits.MaxMessageSize));
        }

        if (limits.Budget is { } budget && reserved == 0 && limits.Reservation(header) is > 0 and var reservation)
        {
            // Before the payload is buffered: a message that does not fit is refused without waiting for it.
            if (!budget.TryReserve(reservation))
            {
                throw new RpcException(GrpcFrameStatus.BudgetExhausted(reservation));
            }

            reserved = reservation;
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

    /// <inheritdoc cref="ReadMessageAsync{T}(PipeReader, Marshaller{T}, ReceiveLimits, ICompressionProvider?, CancellationToken)"/>
    public static ValueTask<T?> ReadMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, int maxMessageSize, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T> =>
        reader.ReadMessageAsync(marshaller, new ReceiveLimits(maxMessageSize), decompressor, cancellationToken);

    /// <summary>
    /// Reads and parses the next message; null when the stream ends cleanly between messages.
    /// A stream that ends inside a message throws INTERNAL; a malformed payload throws <see cref="InvalidProtocolBufferException"/>.
    /// What the message reserved from the budget is given back once it is parsed (the caller owns it then).
    /// </summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, ReceiveLimits limits, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        long reserved = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                var examined = buffer.End;
                try
                {
                    if (TryReadFrame(ref buffer, limits, ref reserved, out var header, out var payload))
                    {
                        consumed = buffer.Start;
                        examined = consumed;
                        return Parse(marshaller, header, payload, limits, decompressor);
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
        finally
        {
            limits.Budget?.Release(reserved);
        }
    }

    /// <inheritdoc cref="ReadSingleMessageAsync{T}(PipeReader, Marshaller{T}, ReceiveLimits, ICompressionProvider?, CancellationToken)"/>
    public static ValueTask<T> ReadSingleMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, int maxMessageSize, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T> =>
        reader.ReadSingleMessageAsync(marshaller, new ReceiveLimits(maxMessageSize), decompressor, cancellationToken);

    /// <summary>
    /// Reads the one message of a unary request (or reply) and checks that the stream ends after it: INTERNAL
    /// when there is no message or a second one. When the end of the stream arrived with the message, as it
    /// usually does, no second read is needed. The message's budget reservation is held until the end of the stream,
    /// since the parsed message is held until then.
    /// </summary>
    public static async ValueTask<T> ReadSingleMessageAsync<T>(
        this PipeReader reader, Marshaller<T> marshaller, ReceiveLimits limits, ICompressionProvider? decompressor, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        T? message = null;
        long reserved = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (SingleMessageStep(reader, result, marshaller, limits, decompressor, ref message, ref reserved))
                {
                    return message!;
                }
            }
        }
        finally
        {
            limits.Budget?.Release(reserved);
        }
    }

    /// <summary>
    /// <see cref="ReadSingleMessageAsync{T}(PipeReader, Marshaller{T}, ReceiveLimits, ICompressionProvider?, CancellationToken)"/>
    /// without waiting, for a request that is already all there (its message and the end of its stream, as a unary
    /// request usually arrives): true with the message, or the same errors; false, with nothing consumed, when the
    /// stream has not ended yet, and the caller reads on with the asynchronous method.
    /// </summary>
    public static bool TryReadCompleteSingleMessage<T>(
        this PipeReader reader, Marshaller<T> marshaller, ReceiveLimits limits, ICompressionProvider? decompressor, out T message)
        where T : class, IMessage<T>
    {
        message = null!;
        if (!reader.TryRead(out var result))
        {
            return false;
        }

        if (!result.IsCompleted && !result.IsCanceled)
        {
            // Nothing examined: the next ReadAsync returns these bytes again at once.
            reader.AdvanceTo(result.Buffer.Start);
            return false;
        }

        T? read = null;
        long reserved = 0;
        try
        {
            var done = SingleMessageStep(reader, result, marshaller, limits, decompressor, ref read, ref reserved);
            System.Diagnostics.Debug.Assert(done, "a completed stream ends the read, with a message or an error");
            message = read!;
            return true;
        }
        finally
        {
            limits.Budget?.Release(reserved);
        }
    }

    /// <summary>
    /// One read of <see cref="ReadSingleMessageAsync{T}(PipeReader, Marshaller{T}, ReceiveLimits, ICompressionProvider?, CancellationToken)"/>:
    /// takes the message from <paramref name="result"/> if it is there, checks what follows, and advances the reader.
    /// True when the read is over (the stream ended after one message); throws for every malformed request.
    /// </summary>
    private static bool SingleMessageStep<T>(
        PipeReader reader, in ReadResult result, Marshaller<T> marshaller, in ReceiveLimits limits, ICompressionProvider? decompressor, ref T? message, ref long reserved)
        where T : class, IMessage<T>
    {
        var buffer = result.Buffer;
        var consumed = buffer.Start;
        var examined = buffer.End;
        try
        {
            if (message is null && TryReadFrame(ref buffer, limits, ref reserved, out var header, out var payload))
            {
                consumed = buffer.Start;
                examined = consumed;
                message = Parse(marshaller, header, payload, limits, decompressor);
            }

            if (message is not null && !buffer.IsEmpty)
            {
                throw new RpcException(GrpcFrameStatus.ExtraMessage);
            }

            if (result.IsCompleted)
            {
                return message is not null ? true : throw new RpcException(buffer.IsEmpty ? GrpcFrameStatus.MissingMessage : GrpcFrameStatus.IncompleteMessage);
            }

            return result.IsCanceled ? throw new OperationCanceledException("The read was cancelled.") : false;
        }
        finally
        {
            reader.AdvanceTo(consumed, examined);
        }
    }

    private static T Parse<T>(
        Marshaller<T> marshaller, GrpcFrameHeader header, in ReadOnlySequence<byte> payload, in ReceiveLimits limits, ICompressionProvider? decompressor)
        where T : class, IMessage<T>
    {
        if (header.IsCompressed)
        {
            return Decompress(marshaller, header, payload, limits, decompressor);
        }

        return limits.BoundParsing ? marshaller.DeserializeBounded(payload, limits.MaxMessageSize) : marshaller.Deserialize(payload);
    }

    private static T Decompress<T>(
        Marshaller<T> marshaller, GrpcFrameHeader header, in ReadOnlySequence<byte> payload, in ReceiveLimits limits, ICompressionProvider? decompressor)
        where T : class, IMessage<T>
    {
        if (decompressor is null)
        {
            throw new RpcException(GrpcFrameStatus.CompressedWithoutEncoding);
        }

        // The limit applies to the decompressed message too, and so does the expansion ratio: a small gzip bomb must not
        // allocate megabytes (or burn the CPU to inflate them) before it is refused.
        var allowance = limits.DecompressedAllowance(header.Length);
        var compressed = payload.ToArray();
        using var input = new MemoryStream(compressed, writable: false);
        var output = new MemoryStream((int)Math.Min(allowance, 4L * compressed.Length + 256));
        try
        {
            using var decompression = decompressor.CreateDecompressionStream(input);
            var chunk = new byte[(int)Math.Min(16 * 1024, allowance + 1)];
            int read;
            while ((read = decompression.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > allowance)
                {
                    throw new RpcException(allowance < limits.MaxMessageSize
                        ? GrpcFrameStatus.ExpandsTooMuch(header.Length, limits.MaxExpansionRatio)
                        : GrpcFrameStatus.ReceiveTooLarge(output.Length + read, limits.MaxMessageSize));
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(GrpcFrameStatus.InvalidCompressedData, new Metadata(), ex);
        }

        var decompressed = new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
        return limits.BoundParsing ? marshaller.DeserializeBounded(decompressed, limits.MaxMessageSize) : marshaller.Deserialize(decompressed);
    }
}
