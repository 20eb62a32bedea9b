using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// The foreign clients of the security tests: tests/interop/python/secure_client.py (Python grpcio) and
/// tests/interop/node/secure_client.js (grpc-js). Each makes one call and prints <c>STATUS CODE detail</c>.
/// </summary>
internal static class SecureClients
{
    public const string Python = InteropClients.Python;
    public const string Node = InteropClients.Node;

    public static TheoryData<string> Both => new([Python, Node]);

    /// <summary>Runs <paramref name="client"/> with <paramref name="arguments"/>; returns the status name and its detail.</summary>
    public static async Task<(string Code, string Detail)> CallAsync(string client, params string[] arguments)
    {
        var result = await InteropClients.RunScriptAsync(client, "secure_client", arguments);
        var line = result.StandardOutput.Trim();
        Assert.True(result.ExitCode == 0 && line.StartsWith("STATUS ", StringComparison.Ordinal), $"{client} secure_client: {result}");
        var parts = line.Split(' ', 3);
        return (parts[1], parts.Length > 2 ? parts[2] : string.Empty);
    }

    /// <summary>The arguments for TLS to the test server's certificate, optionally with a client certificate.</summary>
    public static string[] Tls(TestPki pki, string? certificate = null, string? key = null) =>
        certificate is null
            ? ["--tls-ca", pki.ServerCaPath, "--tls-server-name", "localhost"]
            : ["--tls-ca", pki.ServerCaPath, "--tls-server-name", "localhost", "--tls-cert", certificate, "--tls-key", key!];
}
