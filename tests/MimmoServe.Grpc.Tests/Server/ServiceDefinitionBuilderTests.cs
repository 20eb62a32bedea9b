using Mimmo.Interop.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Server;

public sealed class ServiceDefinitionBuilderTests
{
    private static readonly Method<EchoRequest, EchoReply> Unary = new(MethodType.Unary, "mimmo.interop.v1.Echo", "Unary", EchoRequest.Parser, EchoReply.Parser);

    [Fact]
    public void Build_MethodsOfEveryShape_AllListedWithDescriptor()
    {
        var definition = ServiceDefinition.CreateBuilder(EchoReflection.Descriptor.Services[0])
            .AddUnary(Unary, (r, c) => Task.FromResult(new EchoReply()))
            .AddServerStreaming(new Method<EchoRequest, EchoReply>(MethodType.ServerStreaming, "mimmo.interop.v1.Echo", "ServerStream", EchoRequest.Parser, EchoReply.Parser), (r, w, c) => Task.CompletedTask)
            .AddClientStreaming(new Method<EchoRequest, EchoReply>(MethodType.ClientStreaming, "mimmo.interop.v1.Echo", "ClientStream", EchoRequest.Parser, EchoReply.Parser), (r, c) => Task.FromResult(new EchoReply()))
            .AddDuplexStreaming(new Method<EchoRequest, EchoReply>(MethodType.DuplexStreaming, "mimmo.interop.v1.Echo", "Bidi", EchoRequest.Parser, EchoReply.Parser), (r, w, c) => Task.CompletedTask)
            .Build();

        Assert.Equal("mimmo.interop.v1.Echo", definition.Name);
        Assert.Equal(["/mimmo.interop.v1.Echo/Unary", "/mimmo.interop.v1.Echo/ServerStream", "/mimmo.interop.v1.Echo/ClientStream", "/mimmo.interop.v1.Echo/Bidi"], definition.Methods.Select(m => m.Method.FullName));
    }

    [Fact]
    public void AddUnary_MethodOfAnotherService_Throws()
    {
        var other = new Method<EchoRequest, EchoReply>(MethodType.Unary, "other.Service", "Unary", EchoRequest.Parser, EchoReply.Parser);
        var builder = ServiceDefinition.CreateBuilder("mimmo.interop.v1.Echo");

        Assert.Throws<ArgumentException>(() => builder.AddUnary(other, (r, c) => Task.FromResult(new EchoReply())));
    }

    [Fact]
    public void AddUnary_Twice_Throws()
    {
        var builder = ServiceDefinition.CreateBuilder("mimmo.interop.v1.Echo").AddUnary(Unary, (r, c) => Task.FromResult(new EchoReply()));

        Assert.Throws<ArgumentException>(() => builder.AddUnary(Unary, (r, c) => Task.FromResult(new EchoReply())));
    }

    [Fact]
    public void AddUnary_ShapeDiffersFromDescriptor_Throws()
    {
        // Bidi is bidirectional in echo.proto.
        var wrong = new Method<EchoRequest, EchoReply>(MethodType.Unary, "mimmo.interop.v1.Echo", "Bidi", EchoRequest.Parser, EchoReply.Parser);
        var builder = ServiceDefinition.CreateBuilder(EchoReflection.Descriptor.Services[0]);

        var ex = Assert.Throws<ArgumentException>(() => builder.AddUnary(wrong, (r, c) => Task.FromResult(new EchoReply())));
        Assert.Contains("DuplexStreaming", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddUnary_NotInDescriptor_Throws()
    {
        var missing = new Method<EchoRequest, EchoReply>(MethodType.Unary, "mimmo.interop.v1.Echo", "Missing", EchoRequest.Parser, EchoReply.Parser);
        var builder = ServiceDefinition.CreateBuilder(EchoReflection.Descriptor.Services[0]);

        Assert.Throws<ArgumentException>(() => builder.AddUnary(missing, (r, c) => Task.FromResult(new EchoReply())));
    }

    [Fact]
    public void AddServerStreaming_UnaryMethod_Throws()
    {
        var builder = ServiceDefinition.CreateBuilder("mimmo.interop.v1.Echo");

        Assert.Throws<ArgumentException>(() => builder.AddServerStreaming(Unary, (r, w, c) => Task.CompletedTask));
    }
}
