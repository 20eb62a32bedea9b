using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Server;

public sealed class RequestValidatorTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_Value_AcceptsOnlyProtobufGrpc(string? contentType, bool expected)
    {
        Assert.Equal(expected, RequestValidator.IsGrpcContentType(contentType));
    }
}
