using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>One method of a service definition and how to make its call handler once the server's services are known.</summary>
internal sealed class ServerMethodDefinition
{
    public ServerMethodDefinition(IMethod method, Func<GrpcServerServices, ServerCallHandler> createHandler)
    {
        Method = method;
        CreateHandler = createHandler;
    }

    public IMethod Method { get; }

    public Func<GrpcServerServices, ServerCallHandler> CreateHandler { get; }
}
