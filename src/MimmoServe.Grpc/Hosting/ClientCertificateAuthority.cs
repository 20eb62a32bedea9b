using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The certificate authorities client certificates must chain to (mTLS). The chain is built against these roots only
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>): a certificate the system store trusts but these CAs did not sign
/// is refused. Revocation is not checked (a private CA rarely publishes a CRL); the certificate must be valid now and,
/// when it names its purposes, allow client authentication.
/// </summary>
internal sealed class ClientCertificateAuthority
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _roots;

    private ClientCertificateAuthority(X509Certificate2Collection roots)
    {
        _roots = roots;
    }

    /// <summary>Reads every certificate of the PEM bundle at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The file holds no certificate.</exception>
    public static ClientCertificateAuthority Load(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"The client CA file '{path}' holds no PEM certificate.");
        }

        return new ClientCertificateAuthority(roots);
    }

    /// <summary>Kestrel's ClientCertificateValidation callback: true when <paramref name="certificate"/> chains to one of the CAs.</summary>
    public bool Validate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors) => Validate(certificate);

    public bool Validate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        try
        {
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                // The leaf is Kestrel's; the others were made by Build and are ours to release.
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
