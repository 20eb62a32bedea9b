using System.Net.Security;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>The certificate files are read again when they change: new connections get the new certificate, no restart.</summary>
public sealed class CertificateRotationTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestModels _models = new();

    [Fact]
    public async Task Predict_CertificateFilesReplaced_NewConnectionsGetTheNewCertificate()
    {
        var certificatePath = Path.Combine(_pki.Directory, "rotating.pem");
        var keyPath = Path.Combine(_pki.Directory, "rotating.key");
        var firstThumbprint = _pki.ReissueServerCertificate(certificatePath, keyPath);
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Mimmo:TlsCertificate"] = certificatePath,
            ["Mimmo:TlsKey"] = keyPath,
        });

        var (before, beforeChannel) = await CallAsync(server.Port);
        var secondThumbprint = _pki.ReissueServerCertificate(certificatePath, keyPath);
        var (after, afterChannel) = await CallAsync(server.Port);
        // The connection made before the rotation keeps working.
        await beforeChannel.CreateCallInvoker().AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(20)));
        beforeChannel.Dispose();
        afterChannel.Dispose();

        Assert.NotEqual(firstThumbprint, secondThumbprint);
        Assert.Equal(firstThumbprint, before);
        Assert.Equal(secondThumbprint, after);
    }

    [Fact]
    public async Task Predict_CertificateReplacedByOneWithoutItsKey_WarnsOnceAndKeepsTheLastGoodCertificate()
    {
        var certificatePath = Path.Combine(_pki.Directory, "rotating.pem");
        var keyPath = Path.Combine(_pki.Directory, "rotating.key");
        var goodThumbprint = _pki.ReissueServerCertificate(certificatePath, keyPath);
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Mimmo:TlsCertificate"] = certificatePath,
            ["Mimmo:TlsKey"] = keyPath,
        });

        // A new certificate whose key was not copied (a half-done rotation): the files changed and cannot be used.
        _pki.ReissueServerCertificate(Path.Combine(_pki.Directory, "next.pem"), Path.Combine(_pki.Directory, "next.key"));
        File.Copy(Path.Combine(_pki.Directory, "next.pem"), certificatePath, overwrite: true);
        var served = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (thumbprint, channel) = await CallAsync(server.Port);
            channel.Dispose();
            served.Add(thumbprint);
        }

        var warningsAfterFirstChange = Warnings(server);
        File.WriteAllText(certificatePath, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        var (afterSecondChange, secondChannel) = await CallAsync(server.Port);
        secondChannel.Dispose();

        Assert.All(served, t => Assert.Equal(goodThumbprint, t));
        Assert.Equal(goodThumbprint, afterSecondChange);
        Assert.Equal(1, warningsAfterFirstChange);
        Assert.Equal(2, Warnings(server));
        Assert.Contains(server.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains(certificatePath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Predict_ClientCaBundleReplaced_NewConnectionsCheckedAgainstTheNewBundleAndABadOneWarnsOnce()
    {
        var bundlePath = Path.Combine(_pki.Directory, "clients.pem");
        File.Copy(_pki.ClientCaPath, bundlePath);
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Mimmo:TlsCertificate"] = _pki.ServerCertificatePath,
            ["Mimmo:TlsKey"] = _pki.ServerKeyPath,
            ["Mimmo:TlsClientCa"] = bundlePath,
        });

        File.WriteAllText(bundlePath, "no certificate here\n");
        var withBrokenBundle = await StatusWithClientCertificateAsync(server.Port, other: false);
        var againWithBrokenBundle = await StatusWithClientCertificateAsync(server.Port, other: false);
        var warnings = Warnings(server);
        File.Copy(Path.Combine(_pki.Directory, "other-ca.pem"), bundlePath, overwrite: true);
        var formerClient = await StatusWithClientCertificateAsync(server.Port, other: false);
        var newClient = await StatusWithClientCertificateAsync(server.Port, other: true);

        Assert.Equal((StatusCode.OK, StatusCode.OK), (withBrokenBundle, againWithBrokenBundle));
        Assert.Equal(1, warnings);
        Assert.Equal((StatusCode.Unavailable, StatusCode.OK), (formerClient, newClient));
    }

    public void Dispose()
    {
        _models.Dispose();
        _pki.Dispose();
    }

    private static int Warnings(TestServer server) =>
        server.Logs.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("cannot be used", StringComparison.Ordinal));

    /// <summary>One Predict on a new mTLS connection with the client certificate of the client CA (or of the other CA).</summary>
    private async Task<StatusCode> StatusWithClientCertificateAsync(int port, bool other)
    {
        using var ca = _pki.LoadServerCa();
        using var certificate = _pki.LoadClientCertificate(other);
        var options = new GrpcChannelOptions { TrustedRootCertificates = [ca], ClientCertificate = certificate };
        using var channel = GrpcChannel.ForAddress($"https://localhost:{port}", options);
        try
        {
            var deadline = new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(20));
            await channel.CreateCallInvoker().AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), deadline);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>One Predict on a new TLS connection; returns the thumbprint of the certificate the server presented.</summary>
    private async Task<(string Thumbprint, GrpcChannel Channel)> CallAsync(int port)
    {
        string? seen = null;
        using var ca = _pki.LoadServerCa();
        var options = new GrpcChannelOptions
        {
            TrustedRootCertificates = [ca],
            RemoteCertificateValidation = (_, certificate, _, errors) =>
            {
                seen = (certificate as System.Security.Cryptography.X509Certificates.X509Certificate2)?.Thumbprint;
                return errors == SslPolicyErrors.None;
            },
        };
        var channel = GrpcChannel.ForAddress($"https://localhost:{port}", options);
        await channel.CreateCallInvoker().AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(20)));
        return (seen!, channel);
    }
}
