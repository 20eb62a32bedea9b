using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerCompressionTests(IEchoTarget server)
{
    private static readonly ByteString Compressible = ByteString.CopyFrom(new byte[64 * 1024]);

    [Fact]
    public async Task AsyncUnaryCall_GzipWriteCompression_ServerSeesGzipAndPayloadRoundTrips()
    {
        var reply = await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Payload = Compressible }, new CallOptions(Deadline: TestDeadlines.Safe, WriteCompression: new GzipCompressionProvider()));

        Assert.Equal("gzip", reply.RequestEncoding);
        Assert.Equal(Compressible, reply.Payload);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_GzipWriteCompression_EveryMessageArrives()
    {
        using var call = server.Invoker.AsyncClientStreamingCall(EchoService.ClientStreamMethod, new CallOptions(Deadline: TestDeadlines.Safe, WriteCompression: new GzipCompressionProvider()));
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
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { ReplySize = 100_000 }, new CallOptions(Deadline: TestDeadlines.Safe));

        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("gzip", headers.GetValue("grpc-encoding"));
        Assert.Equal(Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)), reply.Payload.ToByteArray());
    }
}

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerCompressionTestsOnPython(PythonServerFixture python) : CallInvokerCompressionTests(python)
{
    [Fact]
    public async Task AsyncUnaryCall_ReplyInEncodingTheClientLacks_ThrowsInternal()
    {
        // The reference server gzips big replies even when grpc-accept-encoding lists identity only.
        using var channel = GrpcChannel.ForAddress(python.Address, new GrpcChannelOptions { CompressionProviders = new CompressionProviders([]) });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { ReplySize = 100_000 }, new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("'gzip'", ex.Status.Detail, StringComparison.Ordinal);
    }
}

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerCompressionTestsOnOwnServer(OwnServerFixture own) : CallInvokerCompressionTests(own)
{
    [Fact]
    public async Task AsyncUnaryCall_ClientAcceptsIdentityOnly_ReplyComesUncompressed()
    {
        using var channel = GrpcChannel.ForAddress(own.Address, new GrpcChannelOptions { CompressionProviders = new CompressionProviders([]) });
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { ReplySize = 100_000 }, new CallOptions(Deadline: TestDeadlines.Safe));

        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Null(headers.GetValue("grpc-encoding"));
        Assert.Equal(100_000, reply.Payload.Length);
    }
}
