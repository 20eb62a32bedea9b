using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// Options of the gRPC server, bound from the "Grpc" configuration section by the host and validated
/// at start-up (<see cref="GrpcServerOptionsValidator"/>). Every default is stated on its property.
/// </summary>
public sealed class GrpcServerOptions
{
    /// <summary>The configuration section the host binds these options from.</summary>
    public const string SectionName = "Grpc";

    /// <summary>The default of <see cref="MaxHeaderListSize"/>: 16 KiB.</summary>
    public const int DefaultMaxHeaderListSize = 16 * 1024;

    /// <summary>
    /// The TCP port of the gRPC endpoint; 0 picks a free port (tests). Default null: the layer adds no
    /// endpoint and the host configures Kestrel itself (it must then use HTTP/2 only, see the README).
    /// </summary>
    public int? Port { get; set; }

    /// <summary>The address to listen on. Default "0.0.0.0" (all IPv4 interfaces); "127.0.0.1" for loopback only.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// A PEM certificate (chain) file. Default null: cleartext HTTP/2 with prior knowledge. When set, the
    /// endpoint speaks TLS and offers only "h2" by ALPN.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key file of <see cref="CertificatePath"/>. Default null (the key is in the certificate file).</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>
    /// A PEM bundle of the certificate authorities that sign client certificates. Default null: no client certificate is
    /// asked for. When set (with <see cref="CertificatePath"/>), every client must present a certificate that chains to one
    /// of these CAs, checked against them only (not the system store); others are refused at the TLS handshake (mTLS).
    /// The file is read again when it changes. Nothing a client certificate names is downloaded: intermediates belong in
    /// this bundle unless clients send them.
    /// </summary>
    public string? ClientCertificateAuthorityPath { get; set; }

    /// <summary>Largest message the server accepts, after decompression. Default 4 MiB; over it a call ends with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>Largest message the server sends. Default <see cref="int.MaxValue"/> (no limit, as in grpc core).</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>
    /// Concurrent HTTP/2 streams (calls) per connection. Default 100 (Kestrel's and most servers'); clients
    /// open another connection or queue beyond it.
    /// </summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>
    /// Largest request header list (all names and values, uncompressed; gRPC metadata) and largest single header. Default
    /// 16 KiB (grpc core refuses more than 16 KiB of metadata too). Kestrel advertises it in SETTINGS_MAX_HEADER_LIST_SIZE
    /// and resets a stream whose headers are larger.
    /// </summary>
    public int MaxHeaderListSize { get; set; } = DefaultMaxHeaderListSize;

    /// <summary>
    /// Whether responses are gzip-compressed when the client accepts gzip. Default false: model tensors
    /// compress poorly and gzip costs CPU; a handler can choose per call with <see cref="Server.ServerCallContext.CompressResponse"/>.
    /// </summary>
    public bool CompressResponses { get; set; }

    /// <summary>
    /// Whether the message of an unexpected handler exception goes to the client. Default false: the client
    /// gets UNKNOWN with a fixed text and the server log has the exception.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Whether grpc.reflection v1 and v1alpha are hosted. Default true, so that grpcurl can list and describe.</summary>
    public bool EnableReflection { get; set; } = true;
}
