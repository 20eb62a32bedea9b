using System.Net.Http;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Client;

public sealed class ClientStatusMappingTests
{
    [Theory]
    [InlineData(0x0, StatusCode.Internal)]
    [InlineData(0x1, StatusCode.Internal)]
    [InlineData(0x2, StatusCode.Internal)]
    [InlineData(0x7, StatusCode.Unavailable)]
    [InlineData(0x8, StatusCode.Cancelled)]
    [InlineData(0xB, StatusCode.ResourceExhausted)]
    [InlineData(0xC, StatusCode.PermissionDenied)]
    public void FromHttp2ErrorCode_SpecTable_GivesItsStatus(long errorCode, StatusCode expected)
    {
        Assert.Equal(expected, ClientStatusMapping.FromHttp2ErrorCode(errorCode, "reset").StatusCode);
    }

    [Fact]
    public void FromException_ConnectionFailure_IsUnavailable()
    {
        var status = ClientStatusMapping.FromException(new HttpRequestException("refused", new System.Net.Sockets.SocketException(111)));

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
    }

    [Fact]
    public void FromException_RpcException_KeepsItsStatus()
    {
        var status = new Status(StatusCode.ResourceExhausted, "too big");

        Assert.Equal(status, ClientStatusMapping.FromException(new RpcException(status)));
    }

    [Fact]
    public void FromException_UnparsableMessage_IsInternal()
    {
        // A length-delimited field that claims 5 bytes and has none.
        var parseError = Assert.Throws<Google.Protobuf.InvalidProtocolBufferException>(() => Mimmo.Interop.V1.EchoReply.Parser.ParseFrom([0x0A, 0x05]));

        Assert.Equal(StatusCode.Internal, ClientStatusMapping.FromException(parseError).StatusCode);
    }
}
