using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Client;

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerCompressionTests(PythonServerFixture python)
{
    private static readonly ByteString Compressible = ByteString.CopyFrom(new byte[64 * 1024]);

    [Fact]
    public async Task AsyncUnaryCall_GzipWriteCompression_ServerSeesGzipAndPayloadRoundTrips()
    {
        var reply = await python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { Payload = Compressible }, new CallOptions(Deadline: EchoMethods.SafetyDeadline, WriteCompression: new GzipCompressionProvider()));

        Assert.Equal("gzip", reply.RequestEncoding);
        Assert.Equal(Compressible, reply.Payload);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_GzipWriteCompression_EveryMessageArrives()
    {
        using var call = python.Invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, new CallOptions(Deadline: EchoMethods.SafetyDeadline, WriteCompression: new GzipCompressionProvider()));
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "z" + i, Payload = Compressible });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(5, reply.Received);
        Assert.Equal("gzip", reply.RequestEncoding);
    }

    [Fact]
    public async Task AsyncUnaryCall_LargeReply_ArrivesGzipCompressedAndIntact()
    {
        using var call = python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { ReplySize = 100_000 }, new CallOptions(Deadline: EchoMethods.SafetyDeadline));

        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("gzip", headers.GetValue("grpc-encoding"));
        Assert.Equal(Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)), reply.Payload.ToByteArray());
    }

    [Fact]
    public async Task AsyncUnaryCall_ReplyInEncodingTheClientLacks_ThrowsInternal()
    {
        // The reference server gzips big replies even when grpc-accept-encoding lists identity only.
        using var channel = GrpcChannel.ForAddress(python.Server.Address, new GrpcChannelOptions { CompressionProviders = new CompressionProviders([]) });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { ReplySize = 100_000 }, new CallOptions(Deadline: EchoMethods.SafetyDeadline)));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("'gzip'", ex.Status.Detail, StringComparison.Ordinal);
    }
}
