using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// The server's certificate from its PEM files, reloaded when they change (see <see cref="ReloadingFiles{T}"/>): new
/// connections get a rotated certificate without a restart; a change that cannot be used is logged once and the last
/// good certificate stays in use.
/// </summary>
internal sealed class ServerCertificateSource
{
    private readonly ReloadingFiles<X509Certificate2> _files;

    private ServerCertificateSource(ReloadingFiles<X509Certificate2> files)
    {
        _files = files;
    }

    /// <summary>Loads the certificate now; a bad file fails the start-up.</summary>
    public static ServerCertificateSource Load(string certificatePath, string? keyPath, ILogger logger) =>
        new(ReloadingFiles<X509Certificate2>.Load(
            "server certificate",
            keyPath is null ? [certificatePath] : [certificatePath, keyPath],
            () => X509Certificate2.CreateFromPemFile(certificatePath, keyPath),
            logger));

    /// <summary>The certificate for a new connection, reloaded first if either file changed.</summary>
    public X509Certificate2 Current => _files.Current;
}
