using System.IO.Pipelines;
using System.Net;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Health;

public sealed class HealthShutdownTests
{
    private static readonly Marshaller<HealthCheckResponse> ResponseMarshaller = new(HealthCheckResponse.Parser);

    [Fact]
    public async Task Watch_HostStops_NotServingThenUnavailableAndShutdownCompletes()
    {
        var server = new EchoServer();
        await server.InitializeAsync();
        Task? stopping = null;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler());
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Target}/grpc.health.v1.Health/Watch")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(RawGrpcClient.Frame(new HealthCheckRequest())),
            };
            request.Content.Headers.TryAddWithoutValidation("content-type", GrpcProtocolConstants.ContentType);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync());

            var first = await reader.ReadMessageAsync(ResponseMarshaller, 1024, null, CancellationToken.None);
            stopping = server.DisposeAsync();
            var second = await reader.ReadMessageAsync(ResponseMarshaller, 1024, null, CancellationToken.None);
            var end = await reader.ReadMessageAsync(ResponseMarshaller, 1024, null, CancellationToken.None);

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, first!.Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, second!.Status);
            Assert.Null(end);
            Assert.Equal("14", response.TrailingHeaders.GetValues("grpc-status").Single());
            await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await (stopping ?? server.DisposeAsync());
        }
    }
}
