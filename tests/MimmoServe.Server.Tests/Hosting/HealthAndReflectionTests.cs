using MimmoServe.Protocol;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Reflection.V1;
using MimmoServe.Server.Services;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>Health overall, for the service and per model; reflection lists mimmo.v1.Inference.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class HealthAndReflectionTests
{
    private static readonly Method<ServerReflectionRequest, ServerReflectionResponse> ReflectionInfo =
        new(MethodType.DuplexStreaming, "grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", ServerReflectionRequest.Parser, ServerReflectionResponse.Parser);

    private readonly TestServer _server;

    public HealthAndReflectionTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Theory]
    [InlineData("")]
    [InlineData("mimmo.v1.Inference")]
    [InlineData("mimmo.v1.Inference/mimo")]
    [InlineData("mimmo.v1.Inference/plain")]
    public async Task HealthCheck_LoadedServer_Serving(string service)
    {
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await _server.HealthAsync(service));
    }

    [Fact]
    public async Task HealthCheck_ModelNotServed_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.HealthAsync(InferenceMethods.HealthName("nope")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListServices_IncludesInference()
    {
        using var call = _server.Calls.AsyncDuplexStreamingCall(ReflectionInfo, new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(10)));
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "mimmo.v1.Inference" });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.True(await call.ResponseStream.MoveNext());
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto;

        Assert.Contains("mimmo.v1.Inference", services);
        Assert.Contains("grpc.health.v1.Health", services);
        var file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(files[0]);
        Assert.Equal("mimmo/v1/inference.proto", file.Name);
        Assert.Contains(file.Service.Single().Method, m => m.Name == "PredictStream" && m.ClientStreaming && m.ServerStreaming);
    }
}
