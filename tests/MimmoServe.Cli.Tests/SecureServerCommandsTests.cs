using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Cli.Tests;

/// <summary>
/// The CLI against a server with mTLS and bearer tokens: --ca, --cert and --key make the connection, --token (or
/// MIMMO_TOKEN) the call; health needs no token.
/// </summary>
public sealed class SecureServerCommandsTests : IAsyncLifetime
{
    private const string Token = "cli-test-token-5d1e9a7c3b";

    private readonly TestModels _models = new();
    private readonly TestPki _pki = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        var tokens = Path.Combine(_pki.Directory, "tokens");
        await File.WriteAllTextAsync(tokens, Token + " mimo\n");
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        _server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Mimmo:TlsCertificate"] = _pki.ServerCertificatePath,
            ["Mimmo:TlsKey"] = _pki.ServerKeyPath,
            ["Mimmo:TlsClientCa"] = _pki.ClientCaPath,
            ["Mimmo:AuthTokensFile"] = tokens,
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _models.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task Models_TlsFilesAndTokenFromEnvironment_ListsTheModel()
    {
        var run = await CliRun.RunAsync(["models", .. Tls()], new Dictionary<string, string> { ["MIMMO_TOKEN"] = Token });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("│ mimo ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_TokenOption_Served()
    {
        var run = await CliRun.RunAsync(["model", "mimo", "--json", "--token", Token, .. Tls()]);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Models_NoToken_ExitOneWithUnauthenticated()
    {
        var run = await CliRun.RunAsync(["models", .. Tls()]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: Unauthenticated:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_NoToken_Serving()
    {
        var run = await CliRun.RunAsync(["health", .. Tls()]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.EndsWith(": SERVING", run.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_NoClientCertificate_Unreachable()
    {
        var run = await CliRun.RunAsync(["health", "--address", _server.Target, "--ca", _pki.ServerCaPath]);

        Assert.True(run.ExitCode == 2, run.ToString());
    }

    private string[] Tls() => ["--address", _server.Target, "--ca", _pki.ServerCaPath, "--cert", _pki.ClientCertificatePath, "--key", _pki.ClientKeyPath];
}
