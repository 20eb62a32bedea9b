using System.Buffers.Binary;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// The limits of the gRPC port, lowered here so that tests reach them: --max-message-size 2048 (RESOURCE_EXHAUSTED),
/// --max-header-size 4096 (HTTP 431 on that stream) and --max-streams 2 (advertised in SETTINGS; a stream beyond is
/// refused with REFUSED_STREAM, and a client that honours the setting queues the call instead).
/// </summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private const int MaxMessage = 2048;
    private const int MaxHeaders = 4096;
    private const ushort SettingsMaxConcurrentStreams = 0x3;
    private const ushort SettingsMaxHeaderListSize = 0x6;
    private const uint RefusedStream = 0x7;

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthWatch =
        new(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private readonly TestModels _models = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        _server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Grpc:MaxReceiveMessageSize"] = MaxMessage.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Grpc:MaxHeaderListSize"] = MaxHeaders.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Grpc:MaxStreamsPerConnection"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _models.Dispose();
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_ForeignClientMessageOverTheLimit_ResourceExhausted(string client)
    {
        var data = string.Join(',', Enumerable.Repeat("0.5", 1000));

        var (code, detail) = await SecureClients.CallAsync(client, "--target", _server.Target, "--call", "predict", "--model", "mimo", "--data", data);
        var (smallCode, _) = await SecureClients.CallAsync(client, "--target", _server.Target, "--call", "predict", "--model", "mimo", "--data", "1,2,3,4");

        Assert.True(code == "RESOURCE_EXHAUSTED", $"{code} {detail}");
        Assert.Equal("OK", smallCode);
    }

    [Fact]
    public async Task Predict_HeadersOverTheLimit_FailsAndTheServerServesTheNextCall()
    {
        var big = new Metadata().Add("x-big", new string('a', MaxHeaders + 100));
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Calls.AsyncUnaryCall(
            InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new CallOptions(big, TestServer.Deadline(10))).ResponseAsync);
        var underTheLimit = new Metadata().Add("x-big", new string('a', MaxHeaders / 2));
        var served = await _server.Calls.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "after"), new CallOptions(underTheLimit, TestServer.Deadline(10)));

        // SocketsHttpHandler may refuse to send once it knows the server's SETTINGS_MAX_HEADER_LIST_SIZE (UNAVAILABLE),
        // or send and get HTTP 431 (UNKNOWN): either way the call fails and the connection pool recovers.
        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.Equal("after", served.Id);
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task Predict_ForeignClientHeadersOverTheLimit_Refused(string client)
    {
        string[] predict = ["--target", _server.Target, "--call", "predict", "--model", "mimo", "--data", "1,2,3,4"];

        var (code, detail) = await SecureClients.CallAsync(client, [.. predict, "--pad-header", (MaxHeaders + 100).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var (smallCode, _) = await SecureClients.CallAsync(client, [.. predict, "--pad-header", (MaxHeaders / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        // Kestrel answers the stream with HTTP 431 before any gRPC code runs; gRPC maps an unlisted HTTP status to UNKNOWN.
        Assert.True(code == "UNKNOWN" && detail.Contains("431", StringComparison.Ordinal), $"{code} {detail}");
        Assert.Equal("OK", smallCode);
    }

    [Fact]
    public async Task Settings_Limits_AdvertisedToTheClient()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (connection, settings) = await RawHttp2Connection.OpenAsync(_server.Port, timeout.Token);
        await using var _ = connection;

        Assert.Equal(2u, settings[SettingsMaxConcurrentStreams]);
        Assert.Equal((uint)MaxHeaders, settings[SettingsMaxHeaderListSize]);
    }

    [Fact]
    public async Task OpenStream_OneMoreThanTheLimit_RefusedWithRefusedStream()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (connection, _) = await RawHttp2Connection.OpenAsync(_server.Port, timeout.Token);
        await using var __ = connection;
        foreach (var streamId in new[] { 1, 3, 5 })
        {
            await connection.OpenGrpcStreamAsync(streamId, "/grpc.health.v1.Health/Watch", timeout.Token);
        }

        var refused = new Dictionary<int, uint>();
        while (!refused.ContainsKey(5))
        {
            var frame = await connection.ReadFrameAsync(timeout.Token);
            Assert.NotEqual(RawHttp2Connection.GoAway, frame.Type);
            if (frame.Type == RawHttp2Connection.RstStream)
            {
                refused[frame.StreamId] = BinaryPrimitives.ReadUInt32BigEndian(frame.Payload);
            }
        }

        // Streams 1 and 3 are within the limit and still open; 5 is over it.
        Assert.Equal(new Dictionary<int, uint> { [5] = RefusedStream }, refused);
    }

    [Fact]
    public async Task Predict_TwoStreamsHeldOpenOnOneConnection_QueuedByTheClientUntilOneEnds()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}", new GrpcChannelOptions { EnableMultipleHttp2Connections = false });
        var invoker = channel.CreateCallInvoker();
        using var stopFirst = new CancellationTokenSource();
        using var first = invoker.AsyncServerStreamingCall(HealthWatch, new HealthCheckRequest(), new CallOptions(CancellationToken: stopFirst.Token));
        using var second = invoker.AsyncServerStreamingCall(HealthWatch, new HealthCheckRequest(), new CallOptions(Deadline: TestServer.Deadline(30)));
        // Each watch answers its first status at once: both streams are open on the one connection.
        Assert.True(await first.ResponseStream.MoveNext());
        Assert.True(await second.ResponseStream.MoveNext());

        var third = invoker.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "queued"), new CallOptions(Deadline: TestServer.Deadline(30))).ResponseAsync;
        // A round trip on another connection: time enough for the third call to have been answered, were it sent.
        await _server.PredictAsync(Requests.Mimo([1, 2, 3, 4]));
        await _server.PredictAsync(Requests.Mimo([1, 2, 3, 4]));
        Assert.False(third.IsCompleted);

        await stopFirst.CancelAsync();
        var response = await third;

        Assert.Equal("queued", response.Id);
    }
}
