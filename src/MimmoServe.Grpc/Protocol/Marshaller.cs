using System.Buffers;
using Google.Protobuf;

namespace MimmoServe.Grpc.Protocol;

/// <summary>Serializes a protobuf message into a buffer writer and parses it from a (possibly multi-segment) sequence.</summary>
public sealed class Marshaller<T>
    where T : class, IMessage<T>
{
    public Marshaller(MessageParser<T> parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        Parser = parser;
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
}
