using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The TLS settings of the gRPC endpoint: the server certificate from PEM files (reloaded when they change, see
/// <see cref="ServerCertificateSource"/>), TLS 1.2 or 1.3 (gRPC needs at least 1.2 for HTTP/2), and, when a client CA
/// is configured, a client certificate required and checked against that CA only at the handshake.
/// </summary>
internal static class GrpcTls
{
    /// <summary>Kestrel's HTTPS options for <paramref name="options"/>; its certificate and CA files are read now.</summary>
    public static HttpsConnectionAdapterOptions CreateHttpsOptions(GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificatePath = options.CertificatePath ?? throw new ArgumentException("TLS needs Grpc:CertificatePath.", nameof(options));
        var certificates = ServerCertificateSource.Load(certificatePath, options.CertificateKeyPath);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificateSelector = (_, _) => certificates.Current,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (options.ClientCertificateAuthorityPath is { } caPath)
        {
            var authority = ClientCertificateAuthority.Load(caPath);
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = authority.Validate;
        }

        return https;
    }
}
