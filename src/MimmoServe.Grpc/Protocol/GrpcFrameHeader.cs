using System.Buffers;
using System.Buffers.Binary;

namespace MimmoServe.Grpc.Protocol;

/// <summary>The 5-byte prefix of a gRPC message: a compressed flag (0 or 1) and the big-endian payload length.</summary>
internal readonly record struct GrpcFrameHeader(bool IsCompressed, uint Length)
{
    public const int Size = GrpcProtocolConstants.MessageHeaderSize;

    /// <summary>Reads the header at the start of <paramref name="buffer"/>, which may be split across segments.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out GrpcFrameHeader header)
    {
        if (buffer.Length < Size)
        {
            header = default;
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        if (bytes[0] > 1)
        {
            throw new RpcException(GrpcFrameStatus.InvalidCompressedFlag);
        }

        header = new GrpcFrameHeader(bytes[0] == 1, BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = IsCompressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], Length);
    }
}
