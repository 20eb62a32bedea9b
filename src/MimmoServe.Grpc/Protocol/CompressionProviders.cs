namespace MimmoServe.Grpc.Protocol;

/// <summary>The message encodings a peer supports, by name, and the <c>grpc-accept-encoding</c> value that lists them.</summary>
public sealed class CompressionProviders
{
    private readonly Dictionary<string, ICompressionProvider> _byName;

    public CompressionProviders(IEnumerable<ICompressionProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _byName = new Dictionary<string, ICompressionProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            _byName[provider.EncodingName] = provider;
        }

        AcceptEncoding = string.Join(',', new[] { GrpcProtocolConstants.IdentityEncoding }.Concat(_byName.Keys));
    }

    /// <summary>Identity and gzip: what MimmoServe servers and clients offer by default.</summary>
    public static CompressionProviders Default { get; } = new([new GzipCompressionProvider()]);

    /// <summary>The value of <c>grpc-accept-encoding</c> this side sends.</summary>
    public string AcceptEncoding { get; }

    /// <summary>
    /// Finds the provider named by a received <c>grpc-encoding</c>. True with null for identity or an
    /// absent header; false when the encoding is not supported (the caller answers UNIMPLEMENTED).
    /// </summary>
    public bool TryGet(string? encodingName, out ICompressionProvider? provider)
    {
        provider = null;
        if (string.IsNullOrEmpty(encodingName) || string.Equals(encodingName, GrpcProtocolConstants.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return _byName.TryGetValue(encodingName, out provider);
    }

    /// <summary>The first of our encodings that a peer's <c>grpc-accept-encoding</c> lists, or null for identity.</summary>
    public ICompressionProvider? SelectFor(string? peerAcceptEncoding)
    {
        if (string.IsNullOrEmpty(peerAcceptEncoding))
        {
            return null;
        }

        foreach (var range in peerAcceptEncoding.AsSpan().Split(','))
        {
            var name = peerAcceptEncoding.AsSpan(range).Trim();
            foreach (var provider in _byName.Values)
            {
                if (name.Equals(provider.EncodingName, StringComparison.OrdinalIgnoreCase))
                {
                    return provider;
                }
            }
        }

        return null;
    }
}
