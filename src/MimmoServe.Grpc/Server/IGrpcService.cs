namespace MimmoServe.Grpc.Server;

/// <summary>A gRPC service hosted by the server: it describes its methods and their handlers once, at mapping time.</summary>
public interface IGrpcService
{
    ServiceDefinition BindService();
}
