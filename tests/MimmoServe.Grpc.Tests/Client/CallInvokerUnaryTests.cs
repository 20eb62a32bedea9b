using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>The cases run against the Python reference server and against ours (the two sealed classes at the end).</summary>
public abstract class CallInvokerUnaryTests(IEchoTarget server)
{
    [Fact]
    public async Task AsyncUnaryCall_Echo_ReturnsMessageAndPayloadWithStatusOk()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        using var call = server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "hello ✓", Payload = payload }, new CallOptions(Deadline: TestDeadlines.Safe));

        var reply = await call;

        Assert.Equal("hello ✓", reply.Message);
        Assert.Equal(payload, reply.Payload);
        Assert.Equal(string.Empty, reply.RequestEncoding);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_EmptyMessage_RoundTripsZeroLengthMessages()
    {
        var reply = await server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal(0, reply.CalculateSize());
    }

    [Fact]
    public async Task AsyncUnaryCall_HealthCheckOfServer_IsServing()
    {
        var reply = await server.Invoker.AsyncUnaryCall(HealthService.CheckMethod, new HealthCheckRequest { Service = string.Empty }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task AsyncUnaryCall_HealthCheckOfUnknownService_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Invoker.AsyncUnaryCall(HealthService.CheckMethod, new HealthCheckRequest { Service = "no.such.Service" }, new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_ManyConcurrentCalls_AllSucceed()
    {
        // More than Kestrel's and grpc core's default of 100 streams per connection.
        var calls = Enumerable.Range(0, 300).Select(i =>
            server.Invoker.AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new CallOptions(Deadline: TestDeadlines.Safe)).ResponseAsync);

        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), replies.Select(r => r.Message));
    }
}

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerUnaryTestsOnPython(PythonServerFixture python) : CallInvokerUnaryTests(python);

[Collection(OwnServerCollection.Name)]
public sealed class CallInvokerUnaryTestsOnOwnServer(OwnServerFixture own) : CallInvokerUnaryTests(own);
