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

    /// <summary>The default of <see cref="MaxRequestBytesInFlight"/>: 128 MiB.</summary>
    public const long DefaultMaxRequestBytesInFlight = 128L * 1024 * 1024;

    /// <summary>The default of <see cref="MaxConcurrentConnections"/>: 1000.</summary>
    public const long DefaultMaxConcurrentConnections = 1000;

    /// <summary>The default of <see cref="MaxRequestExpansionRatio"/>: 256.</summary>
    public const int DefaultMaxRequestExpansionRatio = 256;

    /// <summary>The default of <see cref="RequestMessageTimeout"/>: 15 s.</summary>
    public static readonly TimeSpan DefaultRequestMessageTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The default of <see cref="StreamIdleTimeout"/>: 2 minutes.</summary>
    public static readonly TimeSpan DefaultStreamIdleTimeout = TimeSpan.FromMinutes(2);

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

    /// <summary>
    /// Largest message the server accepts, after decompression. Default 4 MiB; over it a call ends with RESOURCE_EXHAUSTED.
    /// An <see cref="Server.IServerCallGate"/> may set a lower limit per method; this one stays the upper bound.
    /// </summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>
    /// Request bytes all calls together may hold in memory: each message reserves its size (and, when compressed, the room
    /// its decompression may take) when its 5-byte header arrives, before any of it is buffered, until its call no longer
    /// holds it (a unary request: until the end of its stream). A message that does not fit ends its call with
    /// RESOURCE_EXHAUSTED at once. Default 128 MiB.
    /// </summary>
    public long MaxRequestBytesInFlight { get; set; } = DefaultMaxRequestBytesInFlight;

    /// <summary>
    /// Open TCP connections Kestrel accepts, on every endpoint of the host together (Kestrel's MaxConcurrentConnections);
    /// beyond it new connections are closed at once. Default 1000; null for no limit (Kestrel's own default).
    /// </summary>
    public long? MaxConcurrentConnections { get; set; } = DefaultMaxConcurrentConnections;

    /// <summary>
    /// Whether requests may be compressed (grpc-encoding gzip). Default true. When false, the server accepts only identity,
    /// says so in grpc-accept-encoding, and answers a compressed request with UNIMPLEMENTED, as the gRPC spec asks.
    /// </summary>
    public bool EnableRequestCompression { get; set; } = true;

    /// <summary>
    /// Largest decompressed / compressed size of one compressed request message. Default 256 (gzip reaches about 1000
    /// on zeros; real tensors compress a few times at most); past it RESOURCE_EXHAUSTED. At least 1.
    /// </summary>
    public int MaxRequestExpansionRatio { get; set; } = DefaultMaxRequestExpansionRatio;

    /// <summary>
    /// Unary and server-streaming calls: the one request message and the end of the request stream must arrive within this
    /// time of the call's start, or the call ends with DEADLINE_EXCEEDED (the server's own deadline for receiving the
    /// request). Default 15 s; <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan RequestMessageTimeout { get; set; } = DefaultRequestMessageTimeout;

    /// <summary>
    /// Client-streaming and bidi calls (PredictStream, reflection): a wait for the next request message longer than this
    /// ends the call with CANCELLED. Only waits count: a handler that is busy and not reading is not idle. Default 2
    /// minutes; <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan StreamIdleTimeout { get; set; } = DefaultStreamIdleTimeout;

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
