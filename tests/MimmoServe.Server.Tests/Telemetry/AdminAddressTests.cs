using System.Net;
using System.Net.Sockets;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>The admin port binds its own address (Mimmo:AdminAddress, --admin-address), apart from the gRPC port's.</summary>
public sealed class AdminAddressTests : IDisposable
{
    private readonly TestModels _models = new();

    [Fact]
    public async Task Healthz_AdminAddressSet_AnsweredThereOnlyAndGrpcStaysOnItsOwnAddress()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        // 127.0.0.2 is loopback too on Linux, and a different address from the gRPC port's 127.0.0.1.
        await using var server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?> { ["Mimmo:AdminAddress"] = "127.0.0.2" });

        var (status, body, _) = await AdminHttp.GetAsync(server.AdminPort, "/healthz", host: "127.0.0.2");
        var onGrpcAddress = await Assert.ThrowsAsync<HttpRequestException>(() => AdminHttp.GetAsync(server.AdminPort, "/healthz", host: "127.0.0.1"));
        var grpcOnAdminAddress = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync("127.0.0.2", server.Port));

        Assert.Equal((HttpStatusCode.OK, "ok"), (status, body.Trim()));
        Assert.Equal(SocketError.ConnectionRefused, (onGrpcAddress.InnerException as SocketException)?.SocketErrorCode);
        Assert.Equal(SocketError.ConnectionRefused, grpcOnAdminAddress.SocketErrorCode);
        Assert.NotNull(await server.PredictAsync(Requests.Mimo([1, 2, 3, 4])));
    }

    public void Dispose() => _models.Dispose();

    private static async Task ConnectAsync(string host, int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(host), port);
    }
}
