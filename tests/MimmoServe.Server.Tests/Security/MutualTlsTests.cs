using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// mTLS from --tls-client-ca: a client certificate signed by that CA is served; no certificate, or one signed by another
/// CA, is refused at the handshake, which every client reports as UNAVAILABLE.
/// </summary>
public sealed class MutualTlsTests : IClassFixture<MutualTlsServerFixture>
{
    private readonly MutualTlsServerFixture _fixture;

    public MutualTlsTests(MutualTlsServerFixture fixture)
    {
        _fixture = fixture;
    }

    private TestPki Pki => _fixture.Pki;

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_CertificateFromTheClientCa_IsServed(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, [.. Predict(), .. SecureClients.Tls(Pki, Pki.ClientCertificatePath, Pki.ClientKeyPath)]);

        Assert.Equal(("OK", "mimo"), (code, detail));
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_NoClientCertificate_IsUnavailable(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, [.. Predict(), .. SecureClients.Tls(Pki)]);

        Assert.True(code == "UNAVAILABLE", $"{code} {detail}");
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_CertificateFromAnotherCa_IsUnavailable(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, [.. Predict(), .. SecureClients.Tls(Pki, Pki.OtherClientCertificatePath, Pki.OtherClientKeyPath)]);

        Assert.True(code == "UNAVAILABLE", $"{code} {detail}");
    }

    [Theory]
    [InlineData(false, StatusCode.OK)]
    [InlineData(true, StatusCode.Unavailable)]
    public async Task Predict_OurClientWithCertificate_ServedOnlyFromTheClientCa(bool otherCa, StatusCode expected)
    {
        using var ca = Pki.LoadServerCa();
        using var certificate = Pki.LoadClientCertificate(otherCa);
        using var channel = GrpcChannel.ForAddress($"https://localhost:{_fixture.Server.Port}", new GrpcChannelOptions { TrustedRootCertificates = [ca], ClientCertificate = certificate });

        var status = await StatusOfAsync(channel);

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Health_NoClientCertificate_IsUnavailableToo()
    {
        // mTLS guards the whole port: unlike tokens, it is checked before any call, so probes need a certificate too.
        var (code, detail) = await SecureClients.CallAsync(SecureClients.Python, ["--target", _fixture.Server.Target, "--call", "health", .. SecureClients.Tls(Pki)]);

        Assert.True(code == "UNAVAILABLE", $"{code} {detail}");
    }

    private static async Task<StatusCode> StatusOfAsync(GrpcChannel channel)
    {
        try
        {
            await channel.CreateCallInvoker().AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new CallOptions(Deadline: TestServer.Deadline(20)));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private string[] Predict() => TlsCallerTests.Predict(_fixture.Server);
}
