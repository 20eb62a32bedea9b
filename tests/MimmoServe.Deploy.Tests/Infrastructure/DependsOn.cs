namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>
/// Trait of the tests that check names another branch adds to the server (the names agreed in issue 8's plan). They
/// fail until that branch is merged, and pass after: <c>dotnet test --filter DependsOn=telemetry</c> lists them.
/// </summary>
internal static class DependsOn
{
    public const string Trait = "DependsOn";

    /// <summary>The admin port (AdminPort, MIMMO_ADMIN_PORT) and the Prometheus metrics on its /metrics.</summary>
    public const string Telemetry = "telemetry";

    /// <summary>The graceful shutdown (ShutdownGraceSeconds, MIMMO_SHUTDOWN_GRACE_SECONDS).</summary>
    public const string Production = "production";

    /// <summary>TLS and bearer-token authentication (MIMMO_TLS_*, MIMMO_AUTH_TOKENS_FILE).</summary>
    public const string Security = "security";
}
