using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Where one validated item's values are, in the form the request carried them: a slice of raw little-endian float32
/// bytes, of 8-bit values with the model's table of what each byte means, of a list of floats (protobuf's repeated
/// field), or of a float array. Nothing is copied until <see cref="CopyTo"/> writes the item into its slot of the run's
/// input buffer, so the request's storage must stay as it is until the item is packed or dropped (the host keeps the
/// message until the prediction's task ends).
/// </summary>
internal readonly struct ItemSource
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly ReadOnlyMemory<float> _floats;
    private readonly IReadOnlyList<float>? _list;
    private readonly ReadOnlyMemory<float> _byteValues;
    private readonly bool _isBytes;
    private readonly int _offset;
    private readonly int _length;

    static ItemSource()
    {
        // raw_data is read in place as float32; the byte order of the wire is little-endian.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("MimmoServe reads raw_data in place and needs a little-endian machine.");
        }
    }

    private ItemSource(ReadOnlyMemory<byte> bytes, ReadOnlyMemory<float> floats, IReadOnlyList<float>? list, ReadOnlyMemory<float> byteValues, bool isBytes, int offset, int length)
    {
        _isBytes = isBytes;
        _bytes = bytes;
        _floats = floats;
        _list = list;
        _byteValues = byteValues;
        _offset = offset;
        _length = length;
    }

    /// <summary>Item values as little-endian float32: <paramref name="length"/> values from value <paramref name="offset"/> of <paramref name="raw"/>.</summary>
    public static ItemSource RawFloat32(ReadOnlyMemory<byte> raw, int offset, int length) =>
        new(raw.Slice(offset * sizeof(float), length * sizeof(float)), default, null, default, false, 0, length);

    /// <summary>Item values as bytes, each meaning <paramref name="byteValues"/>[b].</summary>
    public static ItemSource Bytes(ReadOnlyMemory<byte> raw, ReadOnlyMemory<float> byteValues, int offset, int length)
    {
        Debug.Assert(byteValues.Length == 256, "one value per byte");
        return new(raw.Slice(offset, length), default, null, byteValues, true, 0, length);
    }

    /// <summary>Item values in a list: <paramref name="length"/> from index <paramref name="offset"/>.</summary>
    public static ItemSource List(IReadOnlyList<float> list, int offset, int length) => new(default, default, list, default, false, offset, length);

    /// <summary>Item values in memory the caller owns (the batcher's warm-up).</summary>
    public static ItemSource Floats(ReadOnlyMemory<float> floats) => new(default, floats, null, default, false, 0, floats.Length);

    /// <summary>Values in the item.</summary>
    public int Length => _length;

    /// <summary>The float values in place (raw float32 bytes read as floats, or the float memory); empty for bytes and lists.</summary>
    public ReadOnlySpan<float> RawSpan => !_isBytes && _list is null && !_bytes.IsEmpty ? MemoryMarshal.Cast<byte, float>(_bytes.Span) : _floats.Span;

    /// <summary>Writes the item's values, as floats, into <paramref name="destination"/> (its first <see cref="Length"/> values).</summary>
    public void CopyTo(Span<float> destination)
    {
        Debug.Assert(destination.Length >= _length, "the slot holds an item");
        if (_isBytes)
        {
            var values = _byteValues.Span;
            var bytes = _bytes.Span;
            for (var i = 0; i < bytes.Length; i++)
            {
                destination[i] = values[bytes[i]];
            }
        }
        else if (_list is { } list)
        {
            for (var i = 0; i < _length; i++)
            {
                destination[i] = list[_offset + i];
            }
        }
        else
        {
            RawSpan.CopyTo(destination);
        }
    }
}
