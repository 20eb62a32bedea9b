using System.Collections;

namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// Ordered gRPC metadata (request headers, response headers or trailers). A key may occur more than once;
/// keys ending in <c>-bin</c> hold bytes, which travel base64-encoded.
/// </summary>
public sealed class Metadata : IReadOnlyList<MetadataEntry>
{
    private readonly List<MetadataEntry> _entries = [];

    public int Count => _entries.Count;

    public MetadataEntry this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        _entries.Add(new MetadataEntry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        _entries.Add(new MetadataEntry(key, value));
        return this;
    }

    public Metadata Add(MetadataEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last entry with that key (case-insensitive), or null.</summary>
    public MetadataEntry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }

        return null;
    }

    public string? GetValue(string key) => Get(key)?.Value;

    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>
    /// Adds an entry received from the wire. A <c>-bin</c> value is base64 (padded or not) and may hold
    /// several comma-separated values when a peer joined repeated headers.
    /// </summary>
    public void AddFromWire(string key, string wireValue)
    {
        if (key.EndsWith(GrpcProtocolConstants.BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase))
        {
            foreach (var part in wireValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                _entries.Add(new MetadataEntry(key, MetadataKey.DecodeBinary(part)));
            }

            if (wireValue.Length == 0)
            {
                _entries.Add(new MetadataEntry(key, Array.Empty<byte>()));
            }
        }
        else
        {
            _entries.Add(new MetadataEntry(key, wireValue, validateValue: false));
        }
    }

    public IEnumerator<MetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
