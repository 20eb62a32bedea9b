using System.Security.Cryptography.X509Certificates;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The server's certificate from its PEM files, reloaded when they change, so that a rotated certificate (a renewed
/// Kubernetes secret, certbot) is used by new connections without a restart. Kestrel asks at every TLS handshake; the
/// files' write times are compared then (two stat calls per new connection: gRPC connections are long-lived). A file
/// that cannot be read or parsed (half written) keeps the previous certificate until the next handshake tries again.
/// </summary>
/// <remarks>Threading: handshakes run concurrently; the current pair is one immutable object swapped by reference, and
/// a replaced certificate is not disposed because a handshake may still be using it.</remarks>
internal sealed class ServerCertificateSource
{
    private readonly string _certificatePath;
    private readonly string? _keyPath;
    private volatile Loaded _current;

    private ServerCertificateSource(string certificatePath, string? keyPath, Loaded current)
    {
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _current = current;
    }

    /// <summary>Loads the certificate now; a bad file fails the start-up.</summary>
    public static ServerCertificateSource Load(string certificatePath, string? keyPath) =>
        new(certificatePath, keyPath, LoadPair(certificatePath, keyPath));

    /// <summary>The certificate for a new connection, reloaded first if either file changed.</summary>
    public X509Certificate2 Current
    {
        get
        {
            var current = _current;
            var stamp = Stamp(_certificatePath, _keyPath);
            if (stamp == current.Stamp)
            {
                return current.Certificate;
            }

            try
            {
                var loaded = LoadPair(_certificatePath, _keyPath);
                _current = loaded;
                return loaded.Certificate;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                return current.Certificate;
            }
        }
    }

    private static Loaded LoadPair(string certificatePath, string? keyPath)
    {
        var stamp = Stamp(certificatePath, keyPath);
        return new Loaded(X509Certificate2.CreateFromPemFile(certificatePath, keyPath), stamp);
    }

    private static (DateTime, DateTime) Stamp(string certificatePath, string? keyPath) =>
        (File.GetLastWriteTimeUtc(certificatePath), keyPath is null ? default : File.GetLastWriteTimeUtc(keyPath));

    private sealed record Loaded(X509Certificate2 Certificate, (DateTime Certificate, DateTime Key) Stamp);
}
