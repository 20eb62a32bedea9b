using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerErrorTests(IEchoTarget server)
{
    private const int FiveMiB = 5 * 1024 * 1024;

    [Fact]
    public async Task AsyncUnaryCall_ErrorWithNonAsciiMessage_ThrowsExactStatusAndMessage()
    {
        const string message = "modèle «introuvable» — 模型 ✓ 100%";
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = message }, new CallOptions(Deadline: TestDeadlines.Safe));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(new Status(StatusCode.NotFound, message), ex.Status);
        Assert.Equal(ex.Status, call.GetStatus());
    }

    [Theory]
    [InlineData("mimmo.interop.v1.Echo", "NoSuchMethod")]
    [InlineData("no.such.Service", "Call")]
    public async Task AsyncUnaryCall_UnknownMethod_ThrowsUnimplemented(string service, string name)
    {
        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, service, name, EchoRequest.Parser, EchoReply.Parser);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(method, new EchoRequest(), new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_RequestOverSendLimit_ThrowsResourceExhaustedLocally()
    {
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Payload = ByteString.CopyFrom(new byte[FiveMiB]) }, new CallOptions(Deadline: TestDeadlines.Safe));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.StartsWith("Sending message larger than max", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_RequestOverServerLimit_ThrowsServersResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxSendMessageSize = 8 * 1024 * 1024 });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Payload = ByteString.CopyFrom(new byte[FiveMiB]) }, new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.DoesNotContain("Sending message", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_CompressedReplyOverReceiveLimit_ThrowsResourceExhausted()
    {
        // The server gzips replies of 1 KiB and more: the limit applies to the decompressed size.
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { ReplySize = FiveMiB }, new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.StartsWith("Received message larger than max", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_PlainReplyOverReceiveLimit_ThrowsResourceExhaustedAndChannelStaysUsable()
    {
        // An echoed payload comes back uncompressed: the frame header alone exceeds the 1 MiB limit.
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 * 1024 });
        var invoker = channel.CreateCallInvoker();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Payload = ByteString.CopyFrom(new byte[2 * 1024 * 1024]) }, new CallOptions(Deadline: TestDeadlines.Safe)));
        var next = await invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "after" }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("after", next.Message);
    }

    [Fact]
    public async Task AsyncUnaryCall_ReplyWithinRaisedReceiveLimit_Succeeds()
    {
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 8 * 1024 * 1024 });

        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { ReplySize = FiveMiB }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal(FiveMiB, reply.Payload.Length);
        Assert.Equal(250, reply.Payload[250]);
        Assert.Equal(0, reply.Payload[251]);
    }
}

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerErrorTestsOnPython(PythonServerFixture python) : CallInvokerErrorTests(python);

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerErrorTestsOnOwnServer(OwnServerFixture own) : CallInvokerErrorTests(own);
