using System.Net.Security;
using MimmoServe.Grpc.Client;
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

    public void Dispose()
    {
        _models.Dispose();
        _pki.Dispose();
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
