using System.Security.Cryptography.X509Certificates;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>TLS from --tls-cert and --tls-key: clients that trust the CA are served, a cleartext client is not.</summary>
public sealed class TlsCallerTests : IClassFixture<TlsServerFixture>
{
    private readonly TlsServerFixture _fixture;

    public TlsCallerTests(TlsServerFixture fixture)
    {
        _fixture = fixture;
    }

    private TestServer Server => _fixture.Server;

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_ForeignClientTrustingTheCa_IsServed(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, [.. Predict(), .. SecureClients.Tls(_fixture.Pki)]);

        Assert.Equal(("OK", "mimo"), (code, detail));
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_ForeignClientInCleartext_IsUnavailable(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, Predict());

        Assert.True(code == "UNAVAILABLE", $"{code} {detail}");
    }

    [Fact]
    public async Task Predict_OurClientTrustingTheCa_IsServed()
    {
        using var ca = _fixture.Pki.LoadServerCa();
        using var channel = GrpcChannel.ForAddress($"https://localhost:{Server.Port}", new GrpcChannelOptions { TrustedRootCertificates = [ca] });

        var response = await channel.CreateCallInvoker().AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "tls"), new CallOptions(Deadline: TestServer.Deadline(20)));

        Assert.Equal(("tls", "mimo"), (response.Id, response.Model));
    }

    [Fact]
    public async Task Predict_OurClientTrustingOnlyAnotherCa_IsUnavailable()
    {
        using var otherCa = X509CertificateLoader.LoadCertificateFromFile(_fixture.Pki.ClientCaPath);
        using var channel = GrpcChannel.ForAddress($"https://localhost:{Server.Port}", new GrpcChannelOptions { TrustedRootCertificates = [otherCa] });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(
            InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new CallOptions(Deadline: TestServer.Deadline(20))).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    internal static string[] Predict(TestServer server) => ["--target", server.Target, "--call", "predict", "--model", "mimo", "--data", "1,2,3,4"];

    private string[] Predict() => Predict(Server);
}
