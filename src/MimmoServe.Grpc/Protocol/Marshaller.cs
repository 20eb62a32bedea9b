using System.Buffers;
using Google.Protobuf;

namespace MimmoServe.Grpc.Protocol;

/// <summary>Serializes a protobuf message into a buffer writer and parses it from a (possibly multi-segment) sequence.</summary>
public sealed class Marshaller<T>
    where T : class, IMessage<T>
{
    private readonly Lazy<(MessageParser<T> Parser, ParsedSizeScan Scan)> _bounded;

    public Marshaller(MessageParser<T> parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        Parser = parser;
        // A server keeps nothing of a request it does not understand: an unknown field would be kept as an object of
        // its own (tens of bytes for a 2-byte field), so dropping them bounds the parsed size by the wire size.
        _bounded = new(() => (parser.WithDiscardUnknownFields(true), ParsedSizeScan.For(parser.ParseFrom(ReadOnlySpan<byte>.Empty).Descriptor)));
    }

    public MessageParser<T> Parser { get; }

    /// <summary>The serialized size of <paramref name="message"/>, the length prefix of its frame.</summary>
    public static int GetSize(T message) => message.CalculateSize();

    /// <summary>Writes exactly <see cref="GetSize"/> bytes of <paramref name="message"/> into <paramref name="destination"/>.</summary>
    public static void Serialize(T message, Span<byte> destination) => message.WriteTo(destination);

    /// <summary>Writes <paramref name="message"/> into <paramref name="output"/>, segment by segment for large messages.</summary>
    public static void Serialize(T message, IBufferWriter<byte> output) => message.WriteTo(output);

    /// <summary>Parses one message; a malformed payload throws <see cref="InvalidProtocolBufferException"/>.</summary>
    public T Deserialize(in ReadOnlySequence<byte> payload) => Parser.ParseFrom(payload);

    /// <summary>
    /// Parses one received request with its parsed size bounded: unknown fields are dropped, and a message whose
    /// repeated varint fields would take more than <paramref name="maxMessageSize"/> bytes once parsed throws
    /// RESOURCE_EXHAUSTED before parsing (see <see cref="ParsedSizeScan"/>).
    /// </summary>
    internal T DeserializeBounded(in ReadOnlySequence<byte> payload, int maxMessageSize)
    {
        var (parser, scan) = _bounded.Value;
        if (scan.IsNeeded && scan.VarintBytes(payload) is var parsed && parsed > maxMessageSize)
        {
            throw new RpcException(GrpcFrameStatus.ParsedTooLarge(parsed, maxMessageSize));
        }

        return parser.ParseFrom(payload);
    }
}
