using System.Diagnostics;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Client;

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerDeadlineTests(PythonServerFixture python)
{
    [Fact]
    public async Task AsyncUnaryCall_DeadlineBeforeReply_ThrowsDeadlineExceededOnTimeAndServerSeesCancellation()
    {
        var before = await GetCancelledCallsAsync();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { DelayMs = 5000 }, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        Assert.True(await CancelledCallsExceedAsync(before), "the server's handler never saw the call end early");
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineAlreadyPassed_ThrowsDeadlineExceededWithoutCallingTheServer()
    {
        using var call = python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);
    }

    [Fact]
    public async Task AsyncUnaryCall_CancelledByCaller_ThrowsCancelledAndServerSeesCancellation()
    {
        var before = await GetCancelledCallsAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { DelayMs = 5000 }, new CallOptions(Deadline: EchoMethods.SafetyDeadline, CancellationToken: cancellation.Token)));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.True(await CancelledCallsExceedAsync(before), "the server's handler never saw the call end early");
    }

    [Fact]
    public async Task AsyncServerStreamingCall_DisposedMidStream_EndsCallAsCancelled()
    {
        var call = python.Invoker.AsyncServerStreamingCall(EchoMethods.ServerStream, new EchoRequest { Count = 1000, DelayMs = 0 }, new CallOptions(Deadline: EchoMethods.SafetyDeadline));
        Assert.True(await call.ResponseStream.MoveNext());

        call.Dispose();

        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
    }

    private async Task<long> GetCancelledCallsAsync() =>
        (await python.Invoker.AsyncUnaryCall(EchoMethods.GetStats, new StatsRequest(), new CallOptions(Deadline: EchoMethods.SafetyDeadline))).CancelledCalls;

    /// <summary>The server counts a cancellation when its handler returns, shortly after the reset: ask again (each ask is a round trip) for up to 3 s.</summary>
    private async Task<bool> CancelledCallsExceedAsync(long before)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            if (await GetCancelledCallsAsync() > before)
            {
                return true;
            }
        }

        return false;
    }
}
