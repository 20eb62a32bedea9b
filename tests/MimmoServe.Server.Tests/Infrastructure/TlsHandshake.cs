using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>A bare TLS handshake with a client certificate against a server's gRPC port, to see whether the server accepts it.</summary>
internal static class TlsHandshake
{
    /// <summary>The HTTP/2 client connection preface and an empty SETTINGS frame.</summary>
    private static readonly byte[] Preface = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];

    /// <summary>
    /// A TLS handshake with <paramref name="certificate"/> (and <paramref name="sent"/>, the chain the client sends with
    /// it), made offline: a .NET client would otherwise download the issuers its own certificate names. True when the
    /// server accepted it: it answers the HTTP/2 preface with its SETTINGS; a refused client certificate ends the
    /// connection instead (with TLS 1.3 after the client's side of the handshake completed).
    /// </summary>
    public static async Task<bool> AcceptedAsync(int port, X509Certificate2 certificate, X509Certificate2 serverCa, X509Certificate2Collection? sent = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificateContext = SslStreamCertificateContext.Create(certificate, sent, offline: true),
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { serverCa },
                DisableCertificateDownloads = true,
                RevocationMode = X509RevocationMode.NoCheck,
            },
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
            await tls.WriteAsync(Preface, timeout.Token);
            var buffer = new byte[9];
            return await tls.ReadAsync(buffer, timeout.Token) > 0;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }
}
