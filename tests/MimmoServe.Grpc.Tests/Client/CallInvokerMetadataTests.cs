using System.Text;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerMetadataTests(IEchoTarget server)
{
    private static readonly byte[] Blob = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Encoding.UTF8.GetBytes("modèle ✓")).ToArray();

    [Fact]
    public async Task AsyncUnaryCall_EchoMetadata_ComesBackAsHeadersAndTrailersWithSameValues()
    {
        var headers = new Metadata().Add("x-echo-ascii", "plain value 1").Add("x-echo-blob-bin", Blob);
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Headers: headers, Deadline: TestDeadlines.Safe));

        var responseHeaders = await call.ResponseHeadersAsync;
        await call;
        var trailers = call.GetTrailers();

        Assert.Equal("plain value 1", responseHeaders.GetValue("x-echo-ascii"));
        Assert.Equal(Blob, responseHeaders.GetValueBytes("x-echo-blob-bin"));
        Assert.Equal("plain value 1", trailers.GetValue("x-trailer-ascii"));
        Assert.Equal(Blob, trailers.GetValueBytes("x-trailer-blob-bin"));
        Assert.Null(trailers.Get("grpc-status"));
    }

    [Fact]
    public async Task AsyncUnaryCall_FailedCall_RpcExceptionCarriesTrailers()
    {
        var headers = new Metadata().Add("x-echo-blob-bin", Blob);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { FailCode = (int)StatusCode.Aborted, FailMessage = "x" }, new CallOptions(Headers: headers, Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal(Blob, ex.Trailers.GetValueBytes("x-trailer-blob-bin"));
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_EchoMetadata_HeadersArriveBeforeAnyMessage()
    {
        var headers = new Metadata().Add("x-echo-ascii", "bidi");
        using var call = server.Invoker.AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Headers: headers, Deadline: TestDeadlines.Safe));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "first" });

        var responseHeaders = await call.ResponseHeadersAsync;
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext())
        {
        }

        Assert.Equal("bidi", responseHeaders.GetValue("x-echo-ascii"));
        Assert.Equal("bidi", call.GetTrailers().GetValue("x-trailer-ascii"));
    }
}

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerMetadataTestsOnPython(PythonServerFixture python) : CallInvokerMetadataTests(python);

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerMetadataTestsOnOwnServer(OwnServerFixture own) : CallInvokerMetadataTests(own);
