using MimmoServe.Protocol;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Tests.Infrastructure;
using MimmoServe.Server.Services;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>TLS is optional and comes from the gRPC layer's options (Grpc:CertificatePath, Grpc:CertificateKeyPath).</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Predict_CertificateConfigured_ServedOverTls()
    {
        using var certificate = new TestCertificate();
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory, new Dictionary<string, string?>
        {
            ["Grpc:CertificatePath"] = certificate.CertificatePath,
            ["Grpc:CertificateKeyPath"] = certificate.KeyPath,
        });
        using var ca = X509CertificateLoader.LoadCertificateFromFile(certificate.CertificatePath);
        using var channel = GrpcChannel.ForAddress($"https://localhost:{server.Port}", new GrpcChannelOptions { TrustedRootCertificates = [ca] });

        var response = await channel.CreateCallInvoker().AsyncUnaryCall(
            InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "over-tls"), new CallOptions(Deadline: TestServer.Deadline(20)));

        Expectations.AssertServed(response, [1, 2, 3, 4], "over-tls", 3);
        // Cleartext is not served on that port.
        var cleartext = await Assert.ThrowsAsync<Grpc.Protocol.RpcException>(() => server.PredictAsync(Requests.Mimo([1, 2, 3, 4])));
        Assert.NotEqual(Grpc.Protocol.StatusCode.OK, cleartext.StatusCode);
    }
}
