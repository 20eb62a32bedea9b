using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// Adds the gRPC endpoint to Kestrel when <see cref="GrpcServerOptions.Port"/> is set: HTTP/2 only (with
/// HTTP/1.1 also allowed and no TLS, Kestrel would speak HTTP/1.1 and gRPC clients fail), TLS with ALPN "h2"
/// when a certificate is configured (see <see cref="GrpcTls"/>), cleartext with prior knowledge otherwise; the header
/// and stream limits of <see cref="GrpcServerOptions"/>.
/// </summary>
internal sealed class GrpcKestrelSetup : IConfigureOptions<KestrelServerOptions>
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;

    public GrpcKestrelSetup(IOptions<GrpcServerOptions> options, ILogger<GrpcKestrelSetup> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.Limits.Http2.MaxStreamsPerConnection = _options.MaxStreamsPerConnection;
        // Each connection can hold up to Kestrel's HTTP/2 connection window (1 MiB) of request data the server has not read.
        kestrel.Limits.MaxConcurrentConnections = _options.MaxConcurrentConnections;
        // gRPC metadata travels as HTTP/2 headers. Over the list limit Kestrel answers that stream alone with HTTP 431; a
        // single header over its HPACK field limit ends the whole connection (COMPRESSION_ERROR), so that limit is kept
        // at twice the list limit: a header too big for the list is refused on its own stream first.
        kestrel.Limits.MaxRequestHeadersTotalSize = _options.MaxHeaderListSize;
        kestrel.Limits.Http2.MaxRequestHeaderFieldSize = 2 * _options.MaxHeaderListSize;
        // Every response would otherwise carry "server: Kestrel"; gRPC clients ignore it.
        kestrel.AddServerHeader = false;
        if (_options.Port is not { } port)
        {
            return;
        }

        // Validated at start-up (GrpcServerOptionsValidator); a bad address here fails the host with a clear message.
        var address = IPAddress.Parse(_options.ListenAddress);
        kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (_options.CertificatePath is not null)
            {
                listen.UseHttps(GrpcTls.CreateHttpsOptions(_options, _logger));
            }
        });
    }
}
