using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerStreamingTests(IEchoTarget server)
{
    [Fact]
    public async Task AsyncServerStreamingCall_Count100_Reads100RepliesInOrderThenOk()
    {
        using var call = server.Invoker.AsyncServerStreamingCall(EchoService.ServerStreamMethod, new EchoRequest { Message = "s", Count = 100 }, new CallOptions(Deadline: TestDeadlines.Safe));

        var indices = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            Assert.Equal("s", call.ResponseStream.Current.Message);
            indices.Add(call.ResponseStream.Current.Index);
        }

        Assert.Equal(Enumerable.Range(0, 100), indices);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task AsyncServerStreamingCall_NoReplies_EndsWithOk()
    {
        using var call = server.Invoker.AsyncServerStreamingCall(EchoService.ServerStreamMethod, new EchoRequest { Count = 0 }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Throws<InvalidOperationException>(() => call.ResponseStream.Current);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_NoRequests_ReplyCountsZero()
    {
        using var call = server.Invoker.AsyncClientStreamingCall(EchoService.ClientStreamMethod, new CallOptions(Deadline: TestDeadlines.Safe));

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(0, reply.Received);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ServerFails_MoveNextThrowsItsStatus()
    {
        using var call = server.Invoker.AsyncServerStreamingCall(EchoService.ServerStreamMethod, new EchoRequest { Count = 3, FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "no" }, new CallOptions(Deadline: TestDeadlines.Safe));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(new Status(StatusCode.FailedPrecondition, "no"), ex.Status);
        Assert.Equal(ex.Status, call.GetStatus());
    }

    [Fact]
    public async Task AsyncClientStreamingCall_50Requests_ReplyCountsThemAndEchoesTheLast()
    {
        using var call = server.Invoker.AsyncClientStreamingCall(EchoService.ClientStreamMethod, new CallOptions(Deadline: TestDeadlines.Safe));

        for (var i = 0; i < 50; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "m" + i });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(50, reply.Received);
        Assert.Equal("m49", reply.Message);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_1000PingPongs_EachReplyFollowsItsRequest()
    {
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(20)));

        for (var i = 0; i < 1000; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "ping " + i });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(i, call.ResponseStream.Current.Index);
            Assert.Equal("ping " + i, call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_ServerFailsMidStream_ReadAndLaterWriteThrowItsStatus()
    {
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: TestDeadlines.Safe));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "fine" });
        Assert.True(await call.ResponseStream.MoveNext());

        await call.RequestStream.WriteAsync(new EchoRequest { FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "stop" });
        var readError = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));

        Assert.Equal(new Status(StatusCode.FailedPrecondition, "stop"), readError.Status);
        Assert.Equal(readError.Status, writeError.Status);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_HeadersAwaitedBeforeAnyWrite_ArriveWithoutAMessage()
    {
        var headers = new Metadata().Add("x-echo-ascii", "early");
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Headers: headers, Deadline: TestDeadlines.Safe));

        // The server sends its headers when the call starts; the client must have sent its own by then.
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(5));
        await call.RequestStream.CompleteAsync();

        Assert.Equal("early", responseHeaders.GetValue("x-echo-ascii"));
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_WriteWithCancelledToken_CancelsTheCall()
    {
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: TestDeadlines.Safe));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "one" });
        Assert.True(await call.ResponseStream.MoveNext());

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest(), new CancellationToken(canceled: true)));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_WriteAfterComplete_ThrowsInvalidOperation()
    {
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: TestDeadlines.Safe));
        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        Assert.False(await call.ResponseStream.MoveNext());
    }
}

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerStreamingTestsOnPython(PythonServerFixture python) : CallInvokerStreamingTests(python);

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerStreamingTestsOnOwnServer(OwnServerFixture own) : CallInvokerStreamingTests(own);
