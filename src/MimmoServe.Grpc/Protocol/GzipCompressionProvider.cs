using System.IO.Compression;

namespace MimmoServe.Grpc.Protocol;

/// <summary>The <c>gzip</c> message encoding.</summary>
public sealed class GzipCompressionProvider : ICompressionProvider
{
    public GzipCompressionProvider(CompressionLevel level = CompressionLevel.Fastest)
    {
        Level = level;
    }

    public CompressionLevel Level { get; }

    public string EncodingName => GrpcProtocolConstants.GzipEncoding;

    public Stream CreateCompressionStream(Stream output) => new GZipStream(output, Level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream input) => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
}
