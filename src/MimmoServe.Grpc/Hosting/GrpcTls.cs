using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The TLS settings of the gRPC endpoint: the server certificate from PEM files (reloaded when they change, see
/// <see cref="ServerCertificateSource"/>), TLS 1.2 or 1.3 (gRPC needs at least 1.2 for HTTP/2), and, when a client CA
/// is configured, a client certificate required and checked against that CA only at the handshake, with no download
/// of any URL the certificate names (see <see cref="ClientCertificateAuthority"/>).
/// </summary>
internal static class GrpcTls
{
    /// <summary>Kestrel's HTTPS options for <paramref name="options"/>; its certificate and CA files are read now.</summary>
    public static HttpsConnectionAdapterOptions CreateHttpsOptions(GrpcServerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificatePath = options.CertificatePath ?? throw new ArgumentException("TLS needs Grpc:CertificatePath.", nameof(options));
        var certificates = ServerCertificateSource.Load(certificatePath, options.CertificateKeyPath, logger);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificateSelector = (_, _) => certificates.Current,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            // Kestrel's default would check client certificates' revocation online, at URLs the certificate names.
            CheckCertificateRevocation = false,
        };
        if (options.ClientCertificateAuthorityPath is { } caPath)
        {
            var authority = ClientCertificateAuthority.Load(caPath, logger);
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = authority.Validate;
            // Runs after Kestrel's settings, per connection: SslStream's own chain build (before the validation above)
            // trusts the bundle only and downloads nothing.
            https.OnAuthenticate = (_, ssl) => ssl.CertificateChainPolicy = authority.CreateChainPolicy();
        }

        return https;
    }
}
