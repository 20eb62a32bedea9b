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
    public static void WriteMessage<T>(this IBufferWriter<byte> output, T message, int maxMessageSize, ICompressionProvider? compressor)
        where T : class, IMessage<T>
    {
        var size = Marshaller<T>.GetSize(message);
        if (size > maxMessageSize)
        {
            throw new RpcException(GrpcFrameStatus.SendTooLarge(size, maxMessageSize));
        }

        if (compressor is null)
        {
            var header = output.GetSpan(GrpcFrameHeader.Size);
            new GrpcFrameHeader(false, (uint)size).Write(header);
            output.Advance(GrpcFrameHeader.Size);
            if (size > 0)
            {
                Marshaller<T>.Serialize(message, output);
            }

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
