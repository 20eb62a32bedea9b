using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;
using MimmoServe.Server.Tests.Telemetry;

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

    [Fact]
    public async Task Handshake_CertificateNamingUrls_RefusedWithoutFetchingThemAndHealthzStaysFast()
    {
        // Its AIA (issuer, OCSP) and CRL distribution point name a listener that never answers: a server that downloads
        // what a client certificate names would connect to it, and hold a thread for every such handshake.
        using var trap = new ConnectionTrap();
        var (certificatePath, keyPath) = Pki.IssueClientCertificatePointingAt(trap.Url);
        using var ca = Pki.LoadServerCa();
        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        var handshakes = Enumerable.Range(0, 8).Select(_ => TlsHandshake.AcceptedAsync(_fixture.Server.Port, certificate, ca)).ToList();
        var watch = Stopwatch.StartNew();
        var (healthz, _, _) = await AdminHttp.GetAsync(_fixture.Server.AdminPort, "/healthz");
        var healthzTime = watch.Elapsed;
        var statuses = await Task.WhenAll(handshakes);
        using var trusted = Pki.LoadClientCertificate();
        var control = await TlsHandshake.AcceptedAsync(_fixture.Server.Port, trusted, ca);

        Assert.True(control, "the same handshake with a certificate of the client CA was refused");
        Assert.All(statuses, accepted => Assert.False(accepted, "the server accepted a certificate from an untrusted CA"));
        Assert.Equal(HttpStatusCode.OK, healthz);
        Assert.True(healthzTime < TimeSpan.FromSeconds(2), $"/healthz took {healthzTime.TotalMilliseconds:F0} ms during the handshakes");
        // The handshakes are over, so a download would have been tried already; wait a little for a late one anyway.
        var fetched = SpinWait.SpinUntil(() => trap.Connections > 0, TimeSpan.FromSeconds(1));
        Assert.False(fetched, $"the server connected {trap.Connections} time(s) to a URL the client certificate named");
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
