using Microsoft.Extensions.Time.Testing;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Server;

/// <summary>The deadline runs on the injected clock: with a fake one, only advancing it ends the call.</summary>
public sealed class DeadlineClockTests
{
    [Fact]
    public async Task Unary_FakeClockAdvancedPastTimeout_DeadlineExceededWhileHandlerStillBlocked()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new EchoServer(clock);
        await server.InitializeAsync();
        try
        {
            var behaviour = server.Behaviour;
            using var client = new RawGrpcClient(server.Port);
            var call = client.SendAsync("/mimmo.test.Behaviour/IgnoreCancellation", RawGrpcClient.Frame(new EchoRequest()), [("grpc-timeout", "1H")]);
            await behaviour.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

            clock.Advance(TimeSpan.FromMinutes(59));
            Assert.False(call.IsCompleted);
            clock.Advance(TimeSpan.FromMinutes(1));
            var response = await call.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal("4", response.GrpcStatus);
            Assert.False(behaviour.Finished.Task.IsCompleted);
            behaviour.Release.SetResult();
            Assert.True(await behaviour.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
