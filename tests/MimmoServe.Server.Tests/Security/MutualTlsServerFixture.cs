using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>TLS plus client certificates: clients must present one signed by the test PKI's client CA (--tls-client-ca).</summary>
public sealed class MutualTlsServerFixture : SecureServerFixture
{
    internal override IEnumerable<KeyValuePair<string, string?>> Settings(TestPki pki) =>
    [
        new("Mimmo:TlsCertificate", pki.ServerCertificatePath),
        new("Mimmo:TlsKey", pki.ServerKeyPath),
        new("Mimmo:TlsClientCa", pki.ClientCaPath),
    ];
}
