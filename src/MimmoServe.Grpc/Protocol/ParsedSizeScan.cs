using System.Buffers;
using Google.Protobuf.Reflection;

namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// A cheap pass over a message's top-level fields before it is parsed, bounding what parsing allocates. Most fields
/// parse to about their wire size, but a repeated varint field does not: a packed <c>repeated int64</c> of one-byte
/// zeros is 8 parsed bytes per wire byte (and the list doubles as it grows), so 4 MiB on the wire would be 32 MiB or
/// more in memory. The scan counts the elements of each repeated varint field (packed or not) and gives their parsed
/// size, so that a reader can refuse the message before parsing it. Nested messages are not scanned: none of the
/// request messages served here nests a repeated varint field. Malformed input ends the scan early; the parser then
/// reports it.
/// </summary>
internal sealed class ParsedSizeScan
{
    private readonly Dictionary<int, int> _elementSizes;

    private ParsedSizeScan(Dictionary<int, int> elementSizes)
    {
        _elementSizes = elementSizes;
    }

    /// <summary>False when the message has no repeated varint field, so that there is nothing to scan.</summary>
    public bool IsNeeded => _elementSizes.Count > 0;

    public static ParsedSizeScan For(MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var sizes = new Dictionary<int, int>();
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.IsRepeated && ElementSize(field.FieldType) is > 0 and var size)
            {
                sizes[field.FieldNumber] = size;
            }
        }

        return new ParsedSizeScan(sizes);
    }

    /// <summary>The bytes the repeated varint fields of <paramref name="payload"/> take once parsed.</summary>
    public long VarintBytes(in ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        long parsed = 0;
        while (!reader.End)
        {
            if (!TryReadVarint(ref reader, out var tag))
            {
                break;
            }

            var size = _elementSizes.GetValueOrDefault((int)(tag >> 3));
            switch ((int)(tag & 7))
            {
                case 0:
                    if (!TryReadVarint(ref reader, out _))
                    {
                        return parsed;
                    }

                    parsed += size;
                    break;
                case 1:
                    if (!TryAdvance(ref reader, 8))
                    {
                        return parsed;
                    }

                    break;
                case 2:
                    if (!TryReadVarint(ref reader, out var length) || length > (ulong)reader.Remaining)
                    {
                        return parsed;
                    }

                    if (size > 0)
                    {
                        // A packed run: each element ends with the one byte whose top bit is clear.
                        parsed += size * CountVarintEnds(reader.UnreadSequence.Slice(0, (long)length));
                    }

                    reader.Advance((long)length);
                    break;
                case 5:
                    if (!TryAdvance(ref reader, 4))
                    {
                        return parsed;
                    }

                    break;
                default:
                    // Groups (proto2) or garbage: none of our messages has them; the parser decides.
                    return parsed;
            }
        }

        return parsed;
    }

    private static int ElementSize(FieldType type) => type switch
    {
        FieldType.Bool => 1,
        FieldType.Int32 or FieldType.UInt32 or FieldType.SInt32 or FieldType.Enum => 4,
        FieldType.Int64 or FieldType.UInt64 or FieldType.SInt64 => 8,
        _ => 0,
    };

    private static long CountVarintEnds(in ReadOnlySequence<byte> run)
    {
        long count = 0;
        foreach (var segment in run)
        {
            foreach (var b in segment.Span)
            {
                if (b < 0x80)
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static bool TryAdvance(ref SequenceReader<byte> reader, long count)
    {
        if (reader.Remaining < count)
        {
            return false;
        }

        reader.Advance(count);
        return true;
    }

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
