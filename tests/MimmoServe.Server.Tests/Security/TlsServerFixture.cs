using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>TLS with the server certificate of the test PKI (--tls-cert, --tls-key); no client certificate asked.</summary>
public sealed class TlsServerFixture : SecureServerFixture
{
    internal override IEnumerable<KeyValuePair<string, string?>> Settings(TestPki pki) =>
    [
        new("Mimmo:TlsCertificate", pki.ServerCertificatePath),
        new("Mimmo:TlsKey", pki.ServerKeyPath),
    ];
}
