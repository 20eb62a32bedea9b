using Google.Protobuf.Reflection;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Reflection.V1;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1.ServerReflection or, for tools that know only that one, v1alpha. Each is described by
/// its own file; both are served with the v1 message classes, since the wire format is identical.
/// </summary>
internal sealed class ReflectionService : IGrpcService
{
    private readonly ReflectionResponder _responder;
    private readonly ServiceDescriptor _descriptor;
    private readonly Method<ServerReflectionRequest, ServerReflectionResponse> _method;

    private ReflectionService(ReflectionResponder responder, ServiceDescriptor descriptor)
    {
        _responder = responder;
        _descriptor = descriptor;
        _method = new(MethodType.DuplexStreaming, descriptor.FullName, "ServerReflectionInfo", ServerReflectionRequest.Parser, ServerReflectionResponse.Parser);
    }

    public static ReflectionService V1(ReflectionResponder responder) => new(responder, ReflectionReflection.Descriptor.Services[0]);

    public static ReflectionService V1Alpha(ReflectionResponder responder) => new(responder, Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(_descriptor)
            .AddDuplexStreaming(_method, _responder.ServeAsync)
            .Build();
}
