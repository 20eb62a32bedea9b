using System.Diagnostics;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerDeadlineTests(IEchoTarget server)
{
    [Fact]
    public async Task AsyncUnaryCall_DeadlineBeforeReply_ThrowsDeadlineExceededOnTimeAndServerSeesCancellation()
    {
        var before = await GetCancelledCallsAsync();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { DelayMs = 5000 }, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        Assert.True(await CancelledCallsExceedAsync(before), "the server's handler never saw the call end early");
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineAlreadyPassed_ThrowsDeadlineExceededWithoutCallingTheServer()
    {
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineMaxValue_MeansNoDeadline()
    {
        var reply = await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "no deadline" }, new CallOptions(Deadline: DateTime.MaxValue));

        Assert.Equal("no deadline", reply.Message);
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineInAYear_SendsCappedTimeoutAndSucceeds()
    {
        var reply = await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "far" }, new CallOptions(Deadline: DateTime.UtcNow.AddDays(365)));

        Assert.Equal("far", reply.Message);
    }

    [Fact]
    public async Task AsyncUnaryCall_CancelledByCaller_ThrowsCancelledAndServerSeesCancellation()
    {
        var before = await GetCancelledCallsAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { DelayMs = 5000 }, new CallOptions(Deadline: TestDeadlines.Safe, CancellationToken: cancellation.Token)));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.True(await CancelledCallsExceedAsync(before), "the server's handler never saw the call end early");
    }

    [Fact]
    public async Task AsyncServerStreamingCall_DisposedMidStream_EndsCallAsCancelled()
    {
        var call = server.Invoker.AsyncServerStreamingCall(EchoService.ServerStreamMethod, new EchoRequest { Count = 1000, DelayMs = 0 }, new CallOptions(Deadline: TestDeadlines.Safe));
        Assert.True(await call.ResponseStream.MoveNext());

        call.Dispose();

        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
    }

    private async Task<long> GetCancelledCallsAsync() =>
        (await server.Invoker.AsyncUnaryCall(EchoService.GetStatsMethod, new StatsRequest(), new CallOptions(Deadline: TestDeadlines.Safe))).CancelledCalls;

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

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerDeadlineTestsOnPython(PythonServerFixture python) : CallInvokerDeadlineTests(python);

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerDeadlineTestsOnOwnServer(OwnServerFixture own) : CallInvokerDeadlineTests(own);
