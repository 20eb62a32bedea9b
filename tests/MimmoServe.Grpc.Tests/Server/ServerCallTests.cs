using System.Diagnostics;
using System.IO.Compression;
using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Server;

/// <summary>Server behaviour seen on the wire: status placement, deadlines, encodings, errors, metadata.</summary>
public sealed class ServerCallTests : IClassFixture<EchoServer>, IDisposable
{
    private const string UnaryPath = "/mimmo.interop.v1.Echo/Unary";
    private readonly EchoServer _server;
    private readonly RawGrpcClient _client;

    public ServerCallTests(EchoServer server)
    {
        _server = server;
        _client = new RawGrpcClient(server.Port);
    }

    [Fact]
    public async Task Unary_HandlerIgnoresCancellation_DeadlineExceededArrivesOnTimeAndHandlerSeesCancellation()
    {
        var behaviour = _server.Behaviour;
        behaviour.Reset();
        var watch = Stopwatch.StartNew();

        var response = await _client.SendAsync("/mimmo.test.Behaviour/IgnoreCancellation", RawGrpcClient.Frame(new EchoRequest { Message = "m" }), [("grpc-timeout", "200m")]);

        watch.Stop();
        Assert.Equal("4", response.GrpcStatus);
        Assert.True(response.IsTrailersOnly, response.ToString());
        // The handler is still blocked: the status came from the server's own timer, not from the handler returning.
        Assert.False(behaviour.Finished.Task.IsCompleted);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        behaviour.Release.SetResult();
        Assert.True(await behaviour.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Unary_ImmediateError_IsTrailersOnlyWithPercentEncodedMessage()
    {
        var request = new EchoRequest { FailCode = 5, FailMessage = "modèle «introuvable» — 模型 ✓" };

        var response = await _client.SendAsync("/mimmo.test.Behaviour/Throw", RawGrpcClient.Frame(request));

        Assert.True(response.IsTrailersOnly, response.ToString());
        Assert.Equal("5", response.GrpcStatus);
        Assert.Equal("mod%C3%A8le %C2%ABintrouvable%C2%BB %E2%80%94 %E6%A8%A1%E5%9E%8B %E2%9C%93", response.GrpcMessage);
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_StatusAndTrailersComeAsTrailers()
    {
        var request = new EchoRequest { Count = 3, FailMessage = "stopped" };

        var response = await _client.SendAsync("/mimmo.test.Behaviour/FailAfterMessages", RawGrpcClient.Frame(request));

        Assert.False(response.IsTrailersOnly, response.ToString());
        Assert.Equal("10", response.GrpcStatus);
        Assert.Equal("stopped", response.GrpcMessage);
        Assert.Equal("3", response.Find("x-failed-at"));
        Assert.Equal(Enumerable.Range(0, 3).Sum(i => RawGrpcClient.Frame(new EchoReply { Index = i }).Length), response.Body.Length);
    }

    [Fact]
    public async Task Unary_Success_StatusOkInTrailersAfterMessage()
    {
        var response = await _client.SendAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "hi" }));

        Assert.False(response.IsTrailersOnly);
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("hi", RawGrpcClient.ParseSingle(response.Body, EchoReply.Parser).Message);
    }

    [Fact]
    public async Task Unary_UnexpectedException_UnknownWithoutExceptionText()
    {
        var response = await _client.SendAsync("/mimmo.test.Behaviour/Throw", RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal("2", response.GrpcStatus);
        Assert.DoesNotContain(BehaviourService.SecretText, response.GrpcMessage ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_UnsupportedEncoding_UnimplementedListingSupportedOnes()
    {
        var response = await _client.SendAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest()), [("grpc-encoding", "snappy")]);

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("identity,gzip", response.Find("grpc-accept-encoding"));
    }

    [Fact]
    public async Task Unary_GzipRequest_DecompressedAndEncodingReported()
    {
        var payload = new EchoRequest { Message = new string('g', 5000) }.ToByteArray();
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        byte[] frame = [1, .. BitConverter.GetBytes((int)compressed.Length).Reverse(), .. compressed.ToArray()];

        var response = await _client.SendAsync(UnaryPath, frame, [("grpc-encoding", "gzip")]);

        Assert.Equal("0", response.GrpcStatus);
        var reply = RawGrpcClient.ParseSingle(response.Body, EchoReply.Parser);
        Assert.Equal("gzip", reply.RequestEncoding);
        Assert.Equal(5000, reply.Message.Length);
    }

    [Fact]
    public async Task Unary_BigReplyAndClientAcceptsGzip_ReplyIsCompressed()
    {
        var request = new EchoRequest { ReplySize = 100_000 };

        var response = await _client.SendAsync(UnaryPath, RawGrpcClient.Frame(request), [("grpc-accept-encoding", "identity,gzip")]);

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("gzip", response.Find("grpc-encoding"));
        Assert.Equal(1, response.Body[0]);
        Assert.True(response.Body.Length < 100_000, $"{response.Body.Length} bytes");
    }

    [Fact]
    public async Task Unary_BinaryMetadata_EchoedAsHeaderAndTrailer()
    {
        var response = await _client.SendAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest()), [("x-echo-blob-bin", "AAEC/w"), ("x-echo-text", "plain")]);

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("AAEC/w", response.Find("x-echo-blob-bin"));
        Assert.Equal("AAEC/w", response.Find("x-trailer-blob-bin"));
        Assert.Equal("plain", response.Find("x-trailer-text"));
    }

    [Theory]
    [InlineData("/mimmo.interop.v1.Echo/NoSuchMethod", "Method 'NoSuchMethod' of service 'mimmo.interop.v1.Echo' is unimplemented.")]
    [InlineData("/no.such.Service/Call", "Service 'no.such.Service' is unimplemented.")]
    public async Task Call_UnknownServiceOrMethod_Http200Unimplemented(string path, string message)
    {
        var response = await _client.SendAsync(path, RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal(message, Uri.UnescapeDataString(response.GrpcMessage!));
    }

    [Fact]
    public async Task HealthCheck_OverallAfterStart_Serving()
    {
        var response = await _client.SendAsync("/grpc.health.v1.Health/Check", RawGrpcClient.Frame(new HealthCheckRequest()));

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, RawGrpcClient.ParseSingle(response.Body, HealthCheckResponse.Parser).Status);
    }

    public void Dispose() => _client.Dispose();
}
