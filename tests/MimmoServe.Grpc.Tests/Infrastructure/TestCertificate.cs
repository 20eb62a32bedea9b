using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>A throw-away self-signed certificate for "localhost", written as PEM files; it is its own CA for the clients.</summary>
internal sealed class TestCertificate : IDisposable
{
    public TestCertificate()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mimmo-grpc-tls-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        CertificatePath = Path.Combine(Directory, "server.pem");
        KeyPath = Path.Combine(Directory, "server.key");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    /// <summary>The certificate; also the CA file the clients trust.</summary>
    public string CertificatePath { get; }

    public string KeyPath { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
