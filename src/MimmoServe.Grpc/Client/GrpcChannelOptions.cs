using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>Settings of a <see cref="GrpcChannel"/>. Every default is written next to its property; <see cref="Validate"/> runs when the channel is made.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest message this client sends; a bigger one fails locally with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>Largest message this client accepts (after decompression); a bigger one ends the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>Encodings this client can decompress and may compress with; listed in <c>grpc-accept-encoding</c>. Default identity and gzip.</summary>
    public CompressionProviders CompressionProviders { get; set; } = CompressionProviders.Default;

    /// <summary>
    /// Open another HTTP/2 connection when the server's stream limit (Kestrel: 100) is reached, instead of
    /// queueing calls. Default true.
    /// </summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>
    /// Send an HTTP/2 PING after this long without frames from the server while calls are active.
    /// Default 5 minutes: grpc core servers answer more frequent pings on idle connections with GOAWAY
    /// (<c>grpc.http2.min_ping_interval_without_data_ms</c> defaults to 5 minutes). <see cref="Timeout.InfiniteTimeSpan"/> turns pings off.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A connection whose PING is not answered within this time is closed; its calls end with UNAVAILABLE. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed to open a TCP connection (and TLS handshake). Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// TLS only: extra root certificates the server's chain may end in (a private CA). When set, only these
    /// roots are trusted, not the system store. Default none (the system store).
    /// </summary>
    public X509Certificate2Collection? TrustedRootCertificates { get; set; }

    /// <summary>TLS only: a custom check of the server's certificate that replaces the default one. Default none.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>
    /// TLS only: the certificate (with its private key) this client presents when the server asks for one (mTLS). It is
    /// sent whatever CAs the server names as acceptable, so a server's refusal is its own. Default none.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>TLS only: the host name the certificate must carry (SNI), when it differs from the address's host. Default the address's host.</summary>
    public string? TlsServerName { get; set; }

    /// <summary>The clock of deadlines. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The <c>user-agent</c> header of every call. Default <c>mimmoserve-grpc-dotnet/1.0</c>.</summary>
    public string UserAgent { get; set; } = "mimmoserve-grpc-dotnet/1.0";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxSendMessageSize <= 0)
        {
            throw new ArgumentException($"{nameof(MaxSendMessageSize)} must be positive, got {MaxSendMessageSize}.");
        }

        if (MaxReceiveMessageSize <= 0)
        {
            throw new ArgumentException($"{nameof(MaxReceiveMessageSize)} must be positive, got {MaxReceiveMessageSize}.");
        }

        ArgumentNullException.ThrowIfNull(CompressionProviders);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(UserAgent);
        if (KeepAlivePingDelay < TimeSpan.FromSeconds(1) && KeepAlivePingDelay != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{nameof(KeepAlivePingDelay)} must be at least 1 s (SocketsHttpHandler's minimum) or Timeout.InfiniteTimeSpan, got {KeepAlivePingDelay}.");
        }

        if (ClientCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException($"{nameof(ClientCertificate)} must carry its private key (X509Certificate2.CreateFromPemFile(cert, key)).");
        }

        RequirePositiveOrInfinite(KeepAlivePingTimeout, nameof(KeepAlivePingTimeout));
        RequirePositiveOrInfinite(ConnectTimeout, nameof(ConnectTimeout));
    }

    private static void RequirePositiveOrInfinite(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{name} must be positive or Timeout.InfiniteTimeSpan, got {value}.");
        }
    }
}
