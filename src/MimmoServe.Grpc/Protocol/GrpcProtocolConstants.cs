namespace MimmoServe.Grpc.Protocol;

/// <summary>Wire names and defaults of gRPC over HTTP/2 (doc/PROTOCOL-HTTP2.md of grpc/grpc).</summary>
public static class GrpcProtocolConstants
{
    public const string ContentType = "application/grpc";
    public const string ContentTypePrefix = "application/grpc+";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string UserAgentHeader = "user-agent";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>Suffix of metadata keys whose values are bytes, base64-encoded on the wire.</summary>
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>Bytes before each message: 1 compressed flag and a 4-byte big-endian length.</summary>
    public const int MessageHeaderSize = 5;

    /// <summary>Default limit of one received message: 4 MiB, as in grpc core, grpc-java and grpc-dotnet.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Longest <c>grpc-timeout</c> value: 8 digits per the spec.</summary>
    public const int MaxTimeoutDigits = 8;
}
