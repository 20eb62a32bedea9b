using System.Net;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>The admin listener: /healthz, /readyz and /metrics over plain HTTP/1.1, and nothing of gRPC; the gRPC port has no admin paths.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class AdminEndpointTests
{
    private readonly TestServer _server;

    public AdminEndpointTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Theory]
    [InlineData("/healthz", "ok")]
    [InlineData("/readyz", "ready")]
    public async Task Get_ServingServer_Ok(string path, string body)
    {
        var (status, text, _) = await AdminHttp.GetAsync(_server.AdminPort, path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(body, text.Trim());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/metrics/x")]
    [InlineData("/mimmo.v1.Inference/Predict")]
    public async Task Get_OtherPathOnAdminPort_NotFound(string path)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.GetAsync(_server.AdminPort, path)).Status);
    }

    [Fact]
    public async Task Post_GrpcMethodOverHttp1OnAdminPort_NotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(_server.AdminPort, HttpMethod.Post, "/grpc.health.v1.Health/Check")).Status);
    }

    [Fact]
    public async Task Post_Metrics_MethodNotAllowed()
    {
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await AdminHttp.SendAsync(_server.AdminPort, HttpMethod.Post, "/metrics")).Status);
    }

    [Fact]
    public async Task GrpcCall_ToAdminPort_Refused()
    {
        using var channel = Grpc.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{_server.AdminPort}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(
            TestServer.HealthCheck, new HealthCheckRequest(), new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(10))).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.NotEqual(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Get_AdminPathOnGrpcPort_NotFound(string path)
    {
        var (status, body, _) = await AdminHttp.GetAsync(_server.Port, path, http2: true);

        Assert.True(status == HttpStatusCode.NotFound, $"{status}: {body}");
        Assert.DoesNotContain("mimmo_", body, StringComparison.Ordinal);
    }
}
