using System.Text;

namespace MimmoServe.Grpc.Protocol;

/// <summary>One metadata key and its value: text for ordinary keys, bytes for keys ending in <c>-bin</c>.</summary>
public sealed class MetadataEntry
{
    private readonly string? _text;
    private readonly byte[]? _bytes;

    public MetadataEntry(string key, string value)
        : this(key, value, validateValue: true)
    {
    }

    // Received values are kept as the peer sent them; only values we send must be printable ASCII.
    internal MetadataEntry(string key, string value, bool validateValue)
    {
        Key = MetadataKey.Normalize(key);
        ArgumentNullException.ThrowIfNull(value);
        if (IsBinary)
        {
            throw new ArgumentException($"Metadata key '{Key}' ends in '-bin' and takes a byte[] value.", nameof(key));
        }

        if (validateValue)
        {
            MetadataKey.ValidateTextValue(Key, value);
        }

        _text = value;
    }

    public MetadataEntry(string key, byte[] value)
    {
        Key = MetadataKey.Normalize(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsBinary)
        {
            throw new ArgumentException($"Metadata key '{Key}' takes a text value; binary keys end in '-bin'.", nameof(key));
        }

        _bytes = value;
    }

    /// <summary>The key, lower case.</summary>
    public string Key { get; }

    public bool IsBinary => Key.EndsWith(GrpcProtocolConstants.BinaryHeaderSuffix, StringComparison.Ordinal);

    /// <summary>The text value; for a binary entry, its bytes read as UTF-8.</summary>
    public string Value => _text ?? Encoding.UTF8.GetString(_bytes!);

    /// <summary>The bytes of a binary entry; for a text entry, its ASCII bytes.</summary>
    public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_text!);

    /// <summary>The value as it goes into an HTTP/2 header: text as is, bytes as unpadded base64 (the spec's "should").</summary>
    public string ToWireValue() => _text ?? Convert.ToBase64String(_bytes!).TrimEnd('=');

    public override string ToString() => IsBinary ? $"{Key}: [{_bytes!.Length} bytes]" : $"{Key}: {_text}";
}
