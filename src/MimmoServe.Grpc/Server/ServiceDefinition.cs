using Google.Protobuf.Reflection;

namespace MimmoServe.Grpc.Server;

/// <summary>A service's name, its methods with their handlers, and (for reflection) its protobuf descriptor.</summary>
public sealed class ServiceDefinition
{
    internal ServiceDefinition(string name, ServiceDescriptor? descriptor, IReadOnlyList<ServerMethodDefinition> methods)
    {
        Name = name;
        Descriptor = descriptor;
        Methods = methods;
    }

    /// <summary>The fully qualified service name, e.g. <c>mimmo.v1.Inference</c>.</summary>
    public string Name { get; }

    /// <summary>The descriptor that reflection serves (its file and that file's imports); null hides the service from reflection's files.</summary>
    public ServiceDescriptor? Descriptor { get; }

    internal IReadOnlyList<ServerMethodDefinition> Methods { get; }

    /// <summary>Starts a definition described by a generated descriptor (e.g. <c>EchoReflection.Descriptor.Services[0]</c>).</summary>
    public static ServiceDefinitionBuilder CreateBuilder(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return new ServiceDefinitionBuilder(descriptor.FullName, descriptor);
    }

    /// <summary>Starts a definition without a descriptor (not described by reflection).</summary>
    public static ServiceDefinitionBuilder CreateBuilder(string serviceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        return new ServiceDefinitionBuilder(serviceName, null);
    }
}
