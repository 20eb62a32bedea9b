using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The certificate authorities client certificates must chain to (mTLS), from a PEM bundle reloaded when it changes (see
/// <see cref="ReloadingFiles{T}"/>). The chain is built against these CAs only (<see cref="X509ChainTrustMode.CustomRootTrust"/>):
/// a certificate the system store trusts but these CAs did not sign is refused. Revocation is not checked (a private CA
/// rarely publishes a CRL); the certificate must be valid now and, when it names its purposes, allow client
/// authentication.
/// <para>Nothing is ever downloaded: a client certificate can name any URL in its AIA (issuer, OCSP) and CRL extensions,
/// and before this was turned off every refused handshake made the server GET those URLs (15 s timeout each) before
/// authentication - a request to any host, cluster-internal ones included, and a thread held per handshake. The chain
/// is built from the bundle and the certificates the client sent, nothing else: intermediates belong in the bundle
/// (or must be sent by the client).</para>
/// </summary>
internal sealed class ClientCertificateAuthority
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly ReloadingFiles<X509Certificate2Collection> _bundle;

    private ClientCertificateAuthority(ReloadingFiles<X509Certificate2Collection> bundle)
    {
        _bundle = bundle;
    }

    /// <summary>Reads every certificate of the PEM bundle at <paramref name="path"/>; it is read again when it changes.</summary>
    /// <exception cref="InvalidOperationException">The file holds no certificate.</exception>
    public static ClientCertificateAuthority Load(string path, ILogger logger) =>
        new(ReloadingFiles<X509Certificate2Collection>.Load("client CA bundle", [path], () => Read(path), logger));

    /// <summary>
    /// The policy of SslStream's own chain build, which runs before <see cref="Validate(X509Certificate2, X509Chain?, SslPolicyErrors)"/>
    /// (Kestrel's <c>OnAuthenticate</c> sets it per connection): without it SslStream builds against the system store,
    /// downloading missing issuers and checking revocation online. SslStream adds the certificates the client sent to
    /// its <see cref="X509ChainPolicy.ExtraStore"/>; a new policy per connection keeps them apart.
    /// </summary>
    public X509ChainPolicy CreateChainPolicy() => Policy(_bundle.Current, extra: null);

    /// <summary>Kestrel's ClientCertificateValidation callback: true when <paramref name="certificate"/> chains to one of the CAs.</summary>
    /// <param name="chain">SslStream's chain: its extra store holds the certificates the client sent (intermediates).</param>
    public bool Validate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors) => Validate(certificate, chain?.ChainPolicy.ExtraStore);

    /// <param name="sent">Certificates the client sent with its own, used as intermediates (never as roots), or null.</param>
    public bool Validate(X509Certificate2 certificate, X509Certificate2Collection? sent = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var roots = _bundle.Current;
        using var chain = new X509Chain { ChainPolicy = Policy(roots, sent) };
        try
        {
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                // Build makes new certificate objects for the elements; the leaf is Kestrel's and the stores' are not ours.
                if (!ReferenceEquals(element.Certificate, certificate) && !Holds(roots, element.Certificate) && !Holds(sent, element.Certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    private static X509ChainPolicy Policy(X509Certificate2Collection roots, X509Certificate2Collection? extra)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(roots);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        if (extra is not null)
        {
            policy.ExtraStore.AddRange(extra);
        }

        return policy;
    }

    /// <summary>By reference: a collection's Contains compares issuer and serial number.</summary>
    private static bool Holds(X509Certificate2Collection? collection, X509Certificate2 certificate)
    {
        foreach (var held in collection ?? [])
        {
            if (ReferenceEquals(held, certificate))
            {
                return true;
            }
        }

        return false;
    }

    private static X509Certificate2Collection Read(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"The client CA file '{path}' holds no PEM certificate.");
        }

        return roots;
    }
}
