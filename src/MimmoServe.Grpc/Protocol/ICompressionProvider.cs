namespace MimmoServe.Grpc.Protocol;

/// <summary>A message compression named by <c>grpc-encoding</c>; applied per message, not to the whole stream.</summary>
public interface ICompressionProvider
{
    /// <summary>The name in <c>grpc-encoding</c> and <c>grpc-accept-encoding</c>, e.g. <c>gzip</c>.</summary>
    string EncodingName { get; }

    /// <summary>A stream that compresses what is written to it into <paramref name="output"/>; disposing it flushes.</summary>
    Stream CreateCompressionStream(Stream output);

    /// <summary>A stream that reads the decompressed bytes of <paramref name="input"/>.</summary>
    Stream CreateDecompressionStream(Stream input);
}
