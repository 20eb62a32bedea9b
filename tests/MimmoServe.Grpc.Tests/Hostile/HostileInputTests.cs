using System.Net.Sockets;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Hostile;

/// <summary>
/// Malformed request bodies sent over real HTTP/2. Each call must end with a gRPC status, the server must
/// stay up, and a good call running at the same time must succeed.
/// </summary>
public sealed class HostileInputTests : IClassFixture<EchoServer>, IDisposable
{
    private const string UnaryPath = "/mimmo.interop.v1.Echo/Unary";
    private const string BidiPath = "/mimmo.interop.v1.Echo/Bidi";
    private readonly EchoServer _server;
    private readonly RawGrpcClient _client;

    public HostileInputTests(EchoServer server)
    {
        _server = server;
        _client = new RawGrpcClient(server.Port);
    }

    public static TheoryData<string, byte[], string> EndedBodies => new()
    {
        // name, body (the request stream ends after it), expected grpc-status
        { "truncated header", [0, 0, 0], "13" },
        { "truncated payload", [0, 0, 0, 0, 10, 0x0A, 0x02], "13" },
        { "length prefix larger than body", Concat([0, 0, 0, 0, 100], new byte[10]), "13" },
        { "garbage bytes", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), "13" },
        { "garbage protobuf", [0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF], "13" },
        { "compressed flag without encoding", [1, 0, 0, 0, 1, 0x00], "13" },
        { "declared length over the limit", Concat([0, 0, 0x40, 0, 1], new byte[16]), "8" },
    };

    /// <summary>Bodies that are wrong only for a call that takes exactly one message.</summary>
    public static TheoryData<string, byte[], string> UnaryOnlyBodies => new()
    {
        { "no message", [], "13" },
        { "two messages", Concat(RawGrpcClient.Frame(new EchoRequest { Message = "a" }), RawGrpcClient.Frame(new EchoRequest { Message = "b" })), "13" },
    };

    [Theory]
    [MemberData(nameof(EndedBodies))]
    [MemberData(nameof(UnaryOnlyBodies))]
    public async Task Unary_MalformedBody_EndsWithStatusWhileGoodCallSucceeds(string name, byte[] body, string expectedStatus)
    {
        var good = GoodCallAsync();

        var response = await _client.SendAsync(UnaryPath, body);

        Assert.True(response.HttpStatus == 200 && response.GrpcStatus == expectedStatus, $"{name}: {response}");
        Assert.False(string.IsNullOrEmpty(response.GrpcMessage), name);
        await good;
    }

    [Theory]
    [MemberData(nameof(EndedBodies))]
    public async Task Bidi_MalformedBody_EndsWithStatusWhileGoodCallSucceeds(string name, byte[] body, string expectedStatus)
    {
        var good = GoodCallAsync();

        var response = await _client.SendAsync(BidiPath, body);

        Assert.True(response.HttpStatus == 200 && response.GrpcStatus == expectedStatus, $"{name}: {response}");
        await good;
    }

    [Fact]
    public async Task Unary_HugeDeclaredLengthOnOpenStream_EndsWithResourceExhaustedAtOnce()
    {
        // Only the 5-byte header of a 4 GiB message is sent and the stream stays open: the server must not wait for the rest.
        var content = new HeldOpenContent([0, 0xFF, 0xFF, 0xFF, 0xFF]);
        var good = GoodCallAsync();

        var response = await _client.SendAsync(UnaryPath, content);

        Assert.Equal("8", response.GrpcStatus);
        Assert.True(response.IsTrailersOnly, response.ToString());
        content.Finish();
        await good;
    }

    [Fact]
    public async Task Unary_ClientStopsMidMessageWithDeadline_EndsWithDeadlineExceeded()
    {
        var content = new HeldOpenContent([0, 0, 0, 0, 50, 0x0A, 0x05]);
        var good = GoodCallAsync();

        var response = await _client.SendAsync(UnaryPath, content, [("grpc-timeout", "300m")]);

        Assert.Equal("4", response.GrpcStatus);
        content.Finish();
        await good;
    }

    [Fact]
    public async Task Bidi_ClientAbortsMidMessage_ServerCountsCancellationAndStaysUp()
    {
        var cancelledBefore = _server.Echo.CancelledCalls;
        var content = new HeldOpenContent(Concat(RawGrpcClient.Frame(new EchoRequest { Message = "whole" }), [0, 0, 0, 0, 50, 0x0A]));
        using var abort = new CancellationTokenSource();
        var call = _client.SendAsync(BidiPath, content, cancellationToken: abort.Token);
        await content.Sent;

        // The handler has answered the whole message once its reply can be read; then the client resets the stream.
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        await _server.Echo.WaitForCancelledCallsAsync(cancelledBefore + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await GoodCallAsync();
    }

    [Fact]
    public async Task Connection_GarbageInsteadOfHttp2_ServerClosesItAndStaysUp()
    {
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", _server.Port);
            var stream = tcp.GetStream();
            var garbage = new byte[4096];
            new Random(42).NextBytes(garbage);
            await stream.WriteAsync(garbage);
            // Kestrel answers a broken preface by closing the connection: the read ends (0 bytes or a reset).
            var buffer = new byte[1024];
            try
            {
                while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }

        await GoodCallAsync();
    }

    [Fact]
    public async Task Request_NonGrpcContentType_Gets415()
    {
        using var content = new ByteArrayContent(RawGrpcClient.Frame(new EchoRequest()));
        content.Headers.TryAddWithoutValidation("content-type", "application/json");

        var response = await _client.SendAsync(UnaryPath, content);

        Assert.Equal(415, response.HttpStatus);
        await GoodCallAsync();
    }

    public void Dispose() => _client.Dispose();

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    /// <summary>A well-formed unary call that takes a little while, so that it overlaps the hostile one.</summary>
    private async Task GoodCallAsync()
    {
        using var client = new RawGrpcClient(_server.Port);
        var response = await client.SendAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "good", DelayMs = 100 }));
        Assert.True(response.GrpcStatus == "0", response.ToString());
        Assert.Equal("good", RawGrpcClient.ParseSingle(response.Body, EchoReply.Parser).Message);
    }
}
