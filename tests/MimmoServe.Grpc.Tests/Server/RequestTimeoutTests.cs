using Microsoft.Extensions.Time.Testing;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Server;

/// <summary>
/// The server's own time limits on receiving, on the injected clock: a unary request must arrive within
/// Grpc:RequestMessageTimeout (15 s by default; DEADLINE_EXCEEDED), and a request stream may wait at most
/// Grpc:StreamIdleTimeout (2 minutes; CANCELLED) for its next message. Only advancing the fake clock ends the calls; the
/// clock is advanced until the call ends, since the test cannot see when the server starts its timer.
/// </summary>
public sealed class RequestTimeoutTests : IAsyncLifetime
{
    // GrpcServerOptions' defaults of RequestMessageTimeout and StreamIdleTimeout.
    private static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(2);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly EchoServer _server;

    public RequestTimeoutTests()
    {
        _server = new EchoServer(_clock);
    }

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Unary_BodyNeverEnds_DeadlineExceededOnceTheClockPassesTheMessageTimeout()
    {
        using var client = new RawGrpcClient(_server.Port);
        // A whole message, but the stream never ends: the call cannot know there is no second message.
        var content = new HeldOpenContent(RawGrpcClient.Frame(new EchoRequest { Message = "held" }));
        var call = client.SendAsync("/mimmo.interop.v1.Echo/Unary", content);
        await content.Sent;

        _clock.Advance(MessageTimeout - TimeSpan.FromSeconds(1));
        var early = await Task.WhenAny(call, Task.Delay(200)) == call;
        var response = await AdvanceUntilDoneAsync(call, TimeSpan.FromSeconds(1));

        Assert.False(early, "the call ended before its time");
        Assert.True(response.GrpcStatus == "4", response.ToString());
        Assert.Contains("did not arrive", response.GrpcMessage, StringComparison.Ordinal);
        content.Finish();
    }

    [Fact]
    public async Task Bidi_NoMessageForTheIdleTimeout_Cancelled()
    {
        using var client = new RawGrpcClient(_server.Port);
        // One message is answered; then the stream stays open and silent.
        var content = new HeldOpenContent(RawGrpcClient.Frame(new EchoRequest { Message = "then silence" }));
        var call = client.SendAsync("/mimmo.interop.v1.Echo/Bidi", content);
        await content.Sent;

        var response = await AdvanceUntilDoneAsync(call, IdleTimeout);

        Assert.True(response.GrpcStatus == "1", response.ToString());
        Assert.Contains("idle", response.GrpcMessage, StringComparison.Ordinal);
        content.Finish();
    }

    /// <summary>Advances the clock by <paramref name="step"/> until the call ends; fails after 10 s of real time.</summary>
    private async Task<RawGrpcResponse> AdvanceUntilDoneAsync(Task<RawGrpcResponse> call, TimeSpan step)
    {
        var limit = DateTime.UtcNow.AddSeconds(10);
        while (!call.IsCompleted && DateTime.UtcNow < limit)
        {
            _clock.Advance(step);
            await Task.WhenAny(call, Task.Delay(50));
        }

        Assert.True(call.IsCompleted, "the call did not end");
        return await call;
    }
}
