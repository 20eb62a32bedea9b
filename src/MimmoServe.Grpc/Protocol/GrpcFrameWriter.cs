using System.Buffers;
using Google.Protobuf;

namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// Writes length-prefixed gRPC messages into a buffer writer (a <see cref="System.IO.Pipelines.PipeWriter"/>
/// on both sides). Writing does not flush: unary responses let headers, data and trailers leave together,
/// and streaming callers flush after each message.
/// </summary>
internal static class GrpcFrameWriter
{
    // Kestrel's pooled blocks are 4 KiB; a frame that fits one is written in place.
    private const int SingleSpanLimit = 4096 - GrpcFrameHeader.Size;

    public static void WriteMessage<T>(this IBufferWriter<byte> output, T message, int maxMessageSize, ICompressionProvider? compressor)
        where T : class, IMessage<T>
    {
        var size = Marshaller<T>.GetSize(message);
        if (size > maxMessageSize)
        {
            throw new RpcException(GrpcFrameStatus.SendTooLarge(size, maxMessageSize));
        }

        if (compressor is null && size <= SingleSpanLimit)
        {
            // One GetSpan and one Advance: on Kestrel each takes the response pipe's lock.
            var span = output.GetSpan(GrpcFrameHeader.Size + size);
            new GrpcFrameHeader(false, (uint)size).Write(span);
            Marshaller<T>.Serialize(message, span.Slice(GrpcFrameHeader.Size, size));
            output.Advance(GrpcFrameHeader.Size + size);
            return;
        }

        if (compressor is null)
        {
            // Large messages go segment by segment rather than into one huge buffer.
            var header = output.GetSpan(GrpcFrameHeader.Size);
            new GrpcFrameHeader(false, (uint)size).Write(header);
            output.Advance(GrpcFrameHeader.Size);
            Marshaller<T>.Serialize(message, output);
            return;
        }

        WriteCompressed(output, message, size, compressor);
    }

    private static void WriteCompressed<T>(IBufferWriter<byte> output, T message, int size, ICompressionProvider compressor)
        where T : class, IMessage<T>
    {
        var serialized = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            Marshaller<T>.Serialize(message, serialized.AsSpan(0, size));
            var compressed = new MemoryStream();
            using (var compression = compressor.CreateCompressionStream(compressed))
            {
                compression.Write(serialized, 0, size);
            }

            var length = (int)compressed.Length;
            var span = output.GetSpan(GrpcFrameHeader.Size + length);
            new GrpcFrameHeader(true, (uint)length).Write(span);
            compressed.GetBuffer().AsSpan(0, length).CopyTo(span[GrpcFrameHeader.Size..]);
            output.Advance(GrpcFrameHeader.Size + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(serialized);
        }
    }
}
