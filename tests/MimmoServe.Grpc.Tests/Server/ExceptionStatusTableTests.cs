using Google.Protobuf;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Server;

public sealed class ExceptionStatusTableTests
{
    [Fact]
    public void ToStatus_RpcException_KeepsHandlersStatus()
    {
        var status = ExceptionStatusTable.ToStatus(new RpcException(new Status(StatusCode.NotFound, "no model 'x'")), detailedErrors: false, out var unexpected);

        Assert.Equal(new Status(StatusCode.NotFound, "no model 'x'"), status);
        Assert.False(unexpected);
    }

    [Fact]
    public void ToStatus_MalformedRequest_InternalWithDetailForTheCaller()
    {
        var parseError = Assert.Throws<InvalidProtocolBufferException>(() => EchoRequest.Parser.ParseFrom([0xFF, 0xFF]));

        var status = ExceptionStatusTable.ToStatus(parseError, detailedErrors: false, out var unexpected);

        Assert.Equal(StatusCode.Internal, status.StatusCode);
        Assert.Contains("deserialize", status.Detail, StringComparison.Ordinal);
        Assert.False(unexpected);
    }

    [Fact]
    public void ToStatus_UnexpectedException_UnknownWithoutItsMessage()
    {
        var status = ExceptionStatusTable.ToStatus(new InvalidOperationException("secret"), detailedErrors: false, out var unexpected);

        Assert.Equal(StatusCode.Unknown, status.StatusCode);
        Assert.DoesNotContain("secret", status.Detail, StringComparison.Ordinal);
        Assert.True(unexpected);
    }

    [Fact]
    public void ToStatus_UnexpectedExceptionWithDetailedErrors_IncludesTypeAndMessage()
    {
        var status = ExceptionStatusTable.ToStatus(new InvalidOperationException("secret"), detailedErrors: true, out _);

        Assert.Contains("InvalidOperationException: secret", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStatus_TransportFailure_Unavailable()
    {
        Assert.Equal(StatusCode.Unavailable, ExceptionStatusTable.ToStatus(new IOException("reset"), false, out _).StatusCode);
    }
}
