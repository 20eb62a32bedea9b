using System.Text;

namespace MimmoServe.Onnx.ModelFiles;

/// <summary>
/// Just enough of the protobuf wire format to walk an ONNX file without loading it: tags, varints, length-delimited
/// fields read or skipped by seeking (a model's weights are skipped, never read). Anything malformed throws
/// <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class ProtobufReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    /// <summary>Longest string read (a file name); a longer one is not a usable path anyway.</summary>
    public const int MaxString = 64 * 1024;

    private readonly Stream _stream;

    public ProtobufReader(Stream stream)
    {
        _stream = stream;
    }

    public long Position => _stream.Position;

    /// <summary>The next field of a message ending at <paramref name="end"/>; false at its end.</summary>
    public bool TryReadTag(long end, out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (_stream.Position >= end)
        {
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return field > 0 ? true : throw Malformed("field number 0");
    }

    /// <summary>Reads a length prefix; returns where the field's bytes end, checked against the enclosing <paramref name="end"/>.</summary>
    public long ReadLength(long end)
    {
        var length = ReadVarint();
        var fieldEnd = _stream.Position + (long)Math.Min(length, long.MaxValue / 2);
        return length <= long.MaxValue / 2 && fieldEnd <= end ? fieldEnd : throw Malformed("a length past the end of its message");
    }

    public string ReadString(long end)
    {
        var fieldEnd = ReadLength(end);
        var length = fieldEnd - _stream.Position;
        if (length > MaxString)
        {
            _stream.Seek(fieldEnd, SeekOrigin.Begin);
            return new string('?', MaxString);
        }

        var bytes = new byte[length];
        _stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Skips the value of a field of <paramref name="wireType"/>.</summary>
    public void Skip(int wireType, long end)
    {
        var to = wireType switch
        {
            Varint => -1,
            Fixed64 => _stream.Position + 8,
            LengthDelimited => ReadLength(end),
            Fixed32 => _stream.Position + 4,
            _ => throw Malformed($"wire type {wireType}"),
        };
        if (wireType == Varint)
        {
            ReadVarint();
        }
        else if (to > end)
        {
            throw Malformed("a field past the end of its message");
        }
        else
        {
            _stream.Seek(to, SeekOrigin.Begin);
        }
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = _stream.ReadByte();
            if (b < 0)
            {
                throw Malformed("the file ends inside a number");
            }

            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Malformed("a number longer than 10 bytes");
    }

    private static InvalidDataException Malformed(string what) => new($"Not a valid protobuf message: {what}.");
}
