using Google.Protobuf.Reflection;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Reflection;
using MimmoServe.Grpc.Reflection.V1;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Reflection;

public sealed class ReflectionResponderTests
{
    private readonly ReflectionResponder _responder;

    public ReflectionResponderTests()
    {
        var registry = new GrpcServiceRegistry();
        registry.Add(ServiceDefinition.CreateBuilder(EchoReflection.Descriptor.Services[0]).Build());
        registry.Add(ServiceDefinition.CreateBuilder("no.descriptor.Service").Build());
        _responder = new ReflectionResponder(registry);
        registry.Add(ReflectionService.V1(_responder).BindService());
    }

    [Fact]
    public void Answer_ListServices_EveryRegisteredService()
    {
        var response = _responder.Answer(new ServerReflectionRequest { ListServices = "*" });

        Assert.Equal(["mimmo.interop.v1.Echo", "no.descriptor.Service", "grpc.reflection.v1.ServerReflection"], response.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Theory]
    [InlineData("mimmo.interop.v1.Echo")]
    [InlineData("mimmo.interop.v1.Echo.Bidi")]
    [InlineData("mimmo.interop.v1.EchoRequest")]
    [InlineData(".mimmo.interop.v1.StatsReply")]
    public void Answer_FileContainingSymbol_EchoProtoFirst(string symbol)
    {
        var response = _responder.Answer(new ServerReflectionRequest { FileContainingSymbol = symbol, Host = "h" });

        var first = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("mimmo/interop/v1/echo.proto", first.Name);
        Assert.Equal(6, first.Service.Single().Method.Count);
        Assert.Equal("h", response.ValidHost);
        Assert.Equal(symbol, response.OriginalRequest.FileContainingSymbol);
    }

    [Fact]
    public void Answer_NestedEnumSymbol_FoundInHealthFileAfterItsImports()
    {
        var registry = new GrpcServiceRegistry();
        registry.Add(ServiceDefinition.CreateBuilder(MimmoServe.Grpc.Health.V1.HealthReflection.Descriptor.Services[0]).Build());
        var responder = new ReflectionResponder(registry);

        var response = responder.Answer(new ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse.ServingStatus" });

        Assert.Equal("grpc/health/v1/health.proto", FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]).Name);
    }

    [Fact]
    public void Answer_FileByFilename_ReturnsThatFile()
    {
        var response = _responder.Answer(new ServerReflectionRequest { FileByFilename = "grpc/reflection/v1/reflection.proto" });

        Assert.Equal("grpc.reflection.v1", FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]).Package);
    }

    [Theory]
    [InlineData("no.such.Symbol")]
    [InlineData("no.descriptor.Service")]
    public void Answer_UnknownSymbol_ErrorNotFound(string symbol)
    {
        var response = _responder.Answer(new ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }

    [Fact]
    public void Answer_ExtensionNumbersOfKnownMessage_EmptyList()
    {
        var response = _responder.Answer(new ServerReflectionRequest { AllExtensionNumbersOfType = "mimmo.interop.v1.EchoRequest" });

        Assert.Equal("mimmo.interop.v1.EchoRequest", response.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(response.AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public void Answer_NoQuestion_InvalidArgument()
    {
        Assert.Equal((int)StatusCode.InvalidArgument, _responder.Answer(new ServerReflectionRequest()).ErrorResponse.ErrorCode);
    }
}
