using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// With tokens on, health must not tell a caller without a token which models exist: a per-model name is answered with
/// the status of mimmo.v1.Inference whether the model exists or not; a token that may use the model gets its own status.
/// </summary>
public sealed class HealthNameTests : IClassFixture<TokenServerFixture>
{
    private const string Prefix = "mimmo.v1.Inference/";

    private readonly TestServer _server;

    public HealthNameTests(TokenServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Fact]
    public async Task Check_NoTokenKnownAndUnknownModel_SameAnswer()
    {
        var known = await CheckAsync(Prefix + "mimo", token: null);
        var unknown = await CheckAsync(Prefix + "no-such-model", token: null);
        var wrongToken = await CheckAsync(Prefix + "no-such-model", token: "not-a-token-of-this-server-123");

        Assert.Equal("SERVING", known);
        Assert.Equal(known, unknown);
        Assert.Equal(known, wrongToken);
    }

    [Fact]
    public async Task Check_TokenThatMayUseTheModel_GetsTheModelsOwnStatus()
    {
        var known = await CheckAsync(Prefix + "mimo", TokenServerFixture.AllModels);
        var unknown = await CheckAsync(Prefix + "no-such-model", TokenServerFixture.AllModels);
        var notItsModel = await CheckAsync(Prefix + "no-such-model", TokenServerFixture.MimoOnly);

        Assert.Equal("SERVING", known);
        Assert.Equal("NOT_FOUND", unknown);
        Assert.Equal("SERVING", notItsModel);
    }

    [Fact]
    public async Task Watch_NoTokenUnknownModel_StreamsTheServiceStatus()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watch = new Method<HealthCheckRequest, HealthCheckResponse>(
            MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
        var request = new HealthCheckRequest { Service = Prefix + "no-such-model" };
        using var call = _server.Calls.AsyncServerStreamingCall(watch, request, new CallOptions(CancellationToken: cancel.Token));

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, call.ResponseStream.Current.Status);
    }

    /// <summary>The status name of a Check: the serving status on OK, else the gRPC code.</summary>
    private async Task<string> CheckAsync(string service, string? token)
    {
        var headers = token is null ? null : new Metadata().Add("authorization", "Bearer " + token);
        try
        {
            var request = new HealthCheckRequest { Service = service };
            var response = await _server.Calls.AsyncUnaryCall(TestServer.HealthCheck, request, new CallOptions(headers, TestServer.Deadline(10)));
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? "SERVING" : response.Status.ToString();
        }
        catch (RpcException e)
        {
            return e.StatusCode == StatusCode.NotFound ? "NOT_FOUND" : e.StatusCode.ToString();
        }
    }
}
