using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// Adds the gRPC endpoint to Kestrel when <see cref="GrpcServerOptions.Port"/> is set: HTTP/2 only (with
/// HTTP/1.1 also allowed and no TLS, Kestrel would speak HTTP/1.1 and gRPC clients fail), TLS with ALPN "h2"
/// when a certificate is configured, cleartext with prior knowledge otherwise.
/// </summary>
internal sealed class GrpcKestrelSetup : IConfigureOptions<KestrelServerOptions>
{
    private readonly GrpcServerOptions _options;

    public GrpcKestrelSetup(IOptions<GrpcServerOptions> options)
    {
        _options = options.Value;
    }

    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.Limits.Http2.MaxStreamsPerConnection = _options.MaxStreamsPerConnection;
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
            if (_options.CertificatePath is { } certificatePath)
            {
                listen.UseHttps(LoadCertificate(certificatePath, _options.CertificateKeyPath));
            }
        });
    }

    private static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
}
