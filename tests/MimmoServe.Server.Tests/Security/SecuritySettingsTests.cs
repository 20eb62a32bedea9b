using System.Collections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>The security settings from the command line and MIMMO_* variables, and their start-up checks.</summary>
public sealed class SecuritySettingsTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestModels _models = new();

    [Fact]
    public void CreateBuilder_TlsOptionsAndVariables_ReachTheGrpcEndpoint()
    {
        using var app = MimmoServerHost.CreateBuilder(
            CommandLine.Parse(["--models", _models.Directory, "--tls-cert", _pki.ServerCertificatePath, "--tls-key", _pki.ServerKeyPath, "--max-streams", "7"]),
            new Hashtable { ["MIMMO_TLS_CLIENT_CA"] = _pki.ClientCaPath, ["MIMMO_MAX_HEADER_SIZE"] = "9000", ["MIMMO_MAX_MESSAGE_SIZE"] = "1234" }).Build();

        var grpc = app.Services.GetRequiredService<IOptions<GrpcServerOptions>>().Value;

        Assert.Equal((_pki.ServerCertificatePath, _pki.ServerKeyPath, _pki.ClientCaPath), (grpc.CertificatePath, grpc.CertificateKeyPath, grpc.ClientCertificateAuthorityPath));
        Assert.Equal((7, 9000, 1234), (grpc.MaxStreamsPerConnection, grpc.MaxHeaderListSize, grpc.MaxReceiveMessageSize));
    }

    [Fact]
    public void Validate_KeyAndClientCaWithoutCertificate_NamesBoth()
    {
        var failures = Validate(new MimmoServerOptions { TlsKey = _pki.ServerKeyPath, TlsClientCa = _pki.ClientCaPath });

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("Mimmo:TlsKey (--tls-key, MIMMO_TLS_KEY) is set without", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("Mimmo:TlsClientCa (--tls-client-ca, MIMMO_TLS_CLIENT_CA) needs TLS", failures[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingFiles_NameTheSettingAndThePath()
    {
        var failures = Validate(new MimmoServerOptions { TlsCertificate = "/no/such/cert.pem", AuthTokensFile = "/no/such/tokens" });

        Assert.Equal(
            ["Mimmo:TlsCertificate (--tls-cert, MIMMO_TLS_CERT): the file '/no/such/cert.pem' does not exist.",
             "Mimmo:AuthTokensFile (--auth-tokens-file, MIMMO_AUTH_TOKENS_FILE): the file '/no/such/tokens' does not exist."],
            failures);
    }

    [Fact]
    public void Validate_KeyOfAnotherCertificate_CannotBeUsed()
    {
        var failures = Validate(new MimmoServerOptions { TlsCertificate = _pki.ServerCertificatePath, TlsKey = _pki.ClientKeyPath });

        Assert.StartsWith("Mimmo:TlsCertificate (--tls-cert) with its key (--tls-key) cannot be used:", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientCaFileWithoutCertificates_CannotBeUsed()
    {
        var failures = Validate(new MimmoServerOptions { TlsCertificate = _pki.ServerCertificatePath, TlsKey = _pki.ServerKeyPath, TlsClientCa = _pki.ServerKeyPath });

        Assert.StartsWith("Mimmo:TlsClientCa (--tls-client-ca) cannot be used:", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadTokensFile_GivesTheParseError()
    {
        var path = Path.Combine(_pki.Directory, "tokens");
        File.WriteAllText(path, "too-short\n");

        var failures = Validate(new MimmoServerOptions { AuthTokensFile = path });

        Assert.Equal($"Mimmo:AuthTokensFile (--auth-tokens-file) cannot be used: {path} line 1: a token must be at least 16 visible ASCII characters.", Assert.Single(failures));
    }

    [Fact]
    public void Validate_GoodFiles_NoFailure()
    {
        var path = Path.Combine(_pki.Directory, "tokens");
        File.WriteAllText(path, "0123456789abcdef mimo\n");

        Assert.Empty(Validate(new MimmoServerOptions { TlsCertificate = _pki.ServerCertificatePath, TlsKey = _pki.ServerKeyPath, TlsClientCa = _pki.ClientCaPath, AuthTokensFile = path }));
    }

    public void Dispose()
    {
        _pki.Dispose();
        _models.Dispose();
    }

    private static List<string> Validate(MimmoServerOptions options)
    {
        var failures = new List<string>();
        SecuritySettings.Validate(options, failures);
        return failures;
    }
}
