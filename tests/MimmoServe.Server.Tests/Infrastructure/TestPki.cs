using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// Throw-away certificate authorities and certificates made with <see cref="CertificateRequest"/>, written as PEM files
/// in a temporary folder: a server CA and a server certificate for localhost/127.0.0.1, a client CA and a client
/// certificate it signed, and a second client CA ("other") with a client certificate the server must refuse.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mimmo-pki-").FullName;
        using var serverCa = CreateAuthority("MimmoServe test server CA", "server-ca");
        using var clientCa = CreateAuthority("MimmoServe test client CA", "client-ca");
        using var otherCa = CreateAuthority("Some other CA", "other-ca");
        Issue(serverCa, "localhost", ServerAuthentication, "server");
        Issue(clientCa, "shop-frontend", ClientAuthentication, "client");
        Issue(otherCa, "intruder", ClientAuthentication, "other-client");
    }

    public string Directory { get; }

    public string ServerCaPath => PemPath("server-ca");

    public string ServerCertificatePath => PemPath("server");

    public string ServerKeyPath => KeyPath("server");

    public string ClientCaPath => PemPath("client-ca");

    public string ClientCertificatePath => PemPath("client");

    public string ClientKeyPath => KeyPath("client");

    /// <summary>A client certificate signed by a CA the server does not trust.</summary>
    public string OtherClientCertificatePath => PemPath("other-client");

    public string OtherClientKeyPath => KeyPath("other-client");

    public X509Certificate2 LoadServerCa() => X509CertificateLoader.LoadCertificateFromFile(ServerCaPath);

    /// <summary>A client certificate with its key, for our .NET client.</summary>
    public X509Certificate2 LoadClientCertificate(bool other = false) =>
        other ? X509Certificate2.CreateFromPemFile(OtherClientCertificatePath, OtherClientKeyPath) : X509Certificate2.CreateFromPemFile(ClientCertificatePath, ClientKeyPath);

    /// <summary>Issues a new server certificate from the server CA into <paramref name="certificatePath"/> and <paramref name="keyPath"/> (rotation).</summary>
    public string ReissueServerCertificate(string certificatePath, string keyPath)
    {
        using var ca = X509Certificate2.CreateFromPemFile(ServerCaPath, KeyPath("server-ca"));
        return Write(ca, "localhost", ServerAuthentication, certificatePath, keyPath);
    }

    /// <summary>
    /// A client certificate from a CA the server does not trust, whose AIA extension (CA issuers and OCSP) and CRL
    /// distribution point all name <paramref name="url"/>: a server that downloads what a certificate names fetches it.
    /// </summary>
    public (string Certificate, string Key) IssueClientCertificatePointingAt(Uri url)
    {
        using var unknownCa = CreateAuthority("A CA nobody trusts", "unknown-ca");
        var name = "pointing-client";
        Write(unknownCa, "pointing", ClientAuthentication, PemPath(name), KeyPath(name),
        [
            new X509AuthorityInformationAccessExtension([url.AbsoluteUri + "ocsp"], [url.AbsoluteUri + "ca.cer"]),
            CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([url.AbsoluteUri + "ca.crl"]),
        ]);
        return (PemPath(name), KeyPath(name));
    }

    /// <summary>
    /// A root CA, an intermediate CA it signed and a client certificate the intermediate signed; returns the PEM files of
    /// the root, the intermediate and the client certificate with its key.
    /// </summary>
    public (string Root, string Intermediate, string Certificate, string Key) IssueClientCertificateUnderAnIntermediate()
    {
        using var root = CreateAuthority("MimmoServe test client root", "chain-root", pathLength: 1);
        using var intermediate = CreateAuthority("MimmoServe test client intermediate", "chain-intermediate", issuer: root);
        Write(intermediate, "chained", ClientAuthentication, PemPath("chained"), KeyPath("chained"));
        return (PemPath("chain-root"), PemPath("chain-intermediate"), PemPath("chained"), KeyPath("chained"));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private string PemPath(string name) => Path.Combine(Directory, name + ".pem");

    private string KeyPath(string name) => Path.Combine(Directory, name + ".key");

    /// <param name="issuer">The CA that signs this one; null for a self-signed root.</param>
    private X509Certificate2 CreateAuthority(string subject, string name, int pathLength = 0, X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        // Longer than the certificates it signs: a leaf may not outlive its issuer.
        X509Certificate2 certificate;
        if (issuer is null)
        {
            certificate = request.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2));
        }
        else
        {
            var authorityKey = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false);
            request.CertificateExtensions.Add(authorityKey);
            using var signed = request.Create(issuer, now.AddMinutes(-8), now.AddDays(1.5), RandomNumberGenerator.GetBytes(12));
            // From PEM, so that the certificate owns its key after this method disposes the one it was made with.
            certificate = X509Certificate2.CreateFromPem(signed.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(PemPath(name), certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath(name), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    private void Issue(X509Certificate2 issuer, string subject, Oid purpose, string name) =>
        Write(issuer, subject, purpose, PemPath(name), KeyPath(name));

    /// <summary>Writes a certificate signed by <paramref name="issuer"/> and its key; returns its thumbprint.</summary>
    private static string Write(X509Certificate2 issuer, string subject, Oid purpose, string certificatePath, string keyPath, X509Extension[]? extra = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([purpose], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (purpose.Value == ServerAuthentication.Value)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(subject);
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        foreach (var extension in extra ?? [])
        {
            request.CertificateExtensions.Add(extension);
        }

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(issuer, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate.Thumbprint;
    }
}
