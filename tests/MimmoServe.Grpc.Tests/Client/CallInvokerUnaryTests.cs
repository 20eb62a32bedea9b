using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Client;

[Collection(PythonServerCollection.Name)]
public sealed class CallInvokerUnaryTests(PythonServerFixture python)
{
    [Fact]
    public async Task AsyncUnaryCall_Echo_ReturnsMessageAndPayloadWithStatusOk()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        using var call = python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { Message = "hello ✓", Payload = payload }, new CallOptions(Deadline: EchoMethods.SafetyDeadline));

        var reply = await call;

        Assert.Equal("hello ✓", reply.Message);
        Assert.Equal(payload, reply.Payload);
        Assert.Equal(string.Empty, reply.RequestEncoding);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_EmptyMessage_RoundTripsZeroLengthMessages()
    {
        var reply = await python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest(), new CallOptions(Deadline: EchoMethods.SafetyDeadline));

        Assert.Equal(0, reply.CalculateSize());
    }

    [Fact]
    public async Task AsyncUnaryCall_HealthCheckOfServer_IsServing()
    {
        var reply = await python.Invoker.AsyncUnaryCall(EchoMethods.HealthCheck, new HealthCheckRequest { Service = string.Empty }, new CallOptions(Deadline: EchoMethods.SafetyDeadline));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task AsyncUnaryCall_HealthCheckOfUnknownService_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await python.Invoker.AsyncUnaryCall(EchoMethods.HealthCheck, new HealthCheckRequest { Service = "no.such.Service" }, new CallOptions(Deadline: EchoMethods.SafetyDeadline)));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_ManyConcurrentCalls_AllSucceed()
    {
        // More than Kestrel's and grpc core's default of 100 streams per connection.
        var calls = Enumerable.Range(0, 300).Select(i =>
            python.Invoker.AsyncUnaryCall(EchoMethods.Unary, new EchoRequest { Message = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new CallOptions(Deadline: EchoMethods.SafetyDeadline)).ResponseAsync);

        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), replies.Select(r => r.Message));
    }
}
