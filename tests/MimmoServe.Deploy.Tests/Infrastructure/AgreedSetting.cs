namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>A server setting agreed across the helpers of issues 7 and 8, and the branch that adds it to the server.</summary>
internal sealed record AgreedSetting(string Property, string Option, string EnvironmentVariable, string Branch)
{
    /// <summary>The settings the deployment files use that are not in main yet when these files were written.</summary>
    public static readonly AgreedSetting[] Pending =
    [
        new("AdminPort", "--admin-port", "MIMMO_ADMIN_PORT", DependsOn.Telemetry),
        new("ShutdownGraceSeconds", "--shutdown-grace", "MIMMO_SHUTDOWN_GRACE_SECONDS", DependsOn.Production),
        new("TlsCertificate", "--tls-cert", "MIMMO_TLS_CERT", DependsOn.Security),
        new("TlsKey", "--tls-key", "MIMMO_TLS_KEY", DependsOn.Security),
        new("TlsClientCa", "--tls-client-ca", "MIMMO_TLS_CLIENT_CA", DependsOn.Security),
        new("AuthTokensFile", "--auth-tokens-file", "MIMMO_AUTH_TOKENS_FILE", DependsOn.Security),
    ];

    /// <summary>"(branch X)" for a pending variable, for failure messages; empty otherwise.</summary>
    public static string BranchNote(string variable) =>
        Array.Find(Pending, s => s.EnvironmentVariable == variable) is { } pending ? $" (agreed; comes with branch '{pending.Branch}')" : string.Empty;
}
