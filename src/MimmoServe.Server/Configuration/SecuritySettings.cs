using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Server.Security;

namespace MimmoServe.Server.Configuration;

/// <summary>
/// The start-up checks of the TLS and token settings: each file exists and parses (the certificate with its key, the
/// client CA bundle, the tokens file), and the settings that need TLS have it. A failure names the setting, its option
/// and its variable.
/// </summary>
internal static class SecuritySettings
{
    public static void Validate(MimmoServerOptions options, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failures);
        if (options.TlsCertificate is null)
        {
            if (options.TlsKey is not null)
            {
                failures.Add("Mimmo:TlsKey (--tls-key, MIMMO_TLS_KEY) is set without Mimmo:TlsCertificate (--tls-cert, MIMMO_TLS_CERT).");
            }

            if (options.TlsClientCa is not null)
            {
                failures.Add("Mimmo:TlsClientCa (--tls-client-ca, MIMMO_TLS_CLIENT_CA) needs TLS: set Mimmo:TlsCertificate (--tls-cert, MIMMO_TLS_CERT) too.");
            }
        }
        else if (Exists(options.TlsCertificate, "Mimmo:TlsCertificate (--tls-cert, MIMMO_TLS_CERT)", failures)
            && (options.TlsKey is null || Exists(options.TlsKey, "Mimmo:TlsKey (--tls-key, MIMMO_TLS_KEY)", failures)))
        {
            Try(failures, "Mimmo:TlsCertificate (--tls-cert) with its key (--tls-key)", () =>
            {
                using var certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificate, options.TlsKey);
                if (!certificate.HasPrivateKey)
                {
                    throw new CryptographicException("no private key found");
                }
            });
        }

        if (options.TlsClientCa is not null && Exists(options.TlsClientCa, "Mimmo:TlsClientCa (--tls-client-ca, MIMMO_TLS_CLIENT_CA)", failures))
        {
            Try(failures, "Mimmo:TlsClientCa (--tls-client-ca)", () =>
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(options.TlsClientCa);
                if (authorities.Count == 0)
                {
                    throw new FormatException("the file holds no PEM certificate");
                }
            });
        }

        if (options.AuthTokensFile is not null && Exists(options.AuthTokensFile, "Mimmo:AuthTokensFile (--auth-tokens-file, MIMMO_AUTH_TOKENS_FILE)", failures))
        {
            // Parsed only: the permission warning is logged once, when the tokens are loaded for serving (CallAccess).
            var path = options.AuthTokensFile;
            Try(failures, "Mimmo:AuthTokensFile (--auth-tokens-file)", () => TokenFile.Parse(File.ReadAllLines(path), path));
        }
    }

    private static bool Exists(string path, string setting, List<string> failures)
    {
        if (File.Exists(path))
        {
            return true;
        }

        failures.Add($"{setting}: the file '{path}' does not exist.");
        return false;
    }

    private static void Try(List<string> failures, string setting, Action load)
    {
        try
        {
            load();
        }
        catch (Exception e) when (e is CryptographicException or FormatException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            failures.Add($"{setting} cannot be used: {e.Message}");
        }
    }
}
