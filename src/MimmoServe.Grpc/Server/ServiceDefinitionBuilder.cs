using Google.Protobuf;
using Google.Protobuf.Reflection;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// Collects a service's methods with their handlers. Each method is checked against the service: same
/// service name, no duplicate, and, when there is a descriptor, a method of that name and call shape.
/// </summary>
public sealed class ServiceDefinitionBuilder
{
    private readonly string _serviceName;
    private readonly ServiceDescriptor? _descriptor;
    private readonly List<ServerMethodDefinition> _methods = [];

    internal ServiceDefinitionBuilder(string serviceName, ServiceDescriptor? descriptor)
    {
        _serviceName = serviceName;
        _descriptor = descriptor;
    }

    public ServiceDefinitionBuilder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(method, MethodType.Unary, services => new UnaryServerCallHandler<TRequest, TResponse>(method, handler, services));
    }

    public ServiceDefinitionBuilder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(method, MethodType.ServerStreaming, services => new ServerStreamingServerCallHandler<TRequest, TResponse>(method, handler, services));
    }

    public ServiceDefinitionBuilder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(method, MethodType.ClientStreaming, services => new ClientStreamingServerCallHandler<TRequest, TResponse>(method, handler, services));
    }

    public ServiceDefinitionBuilder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(method, MethodType.DuplexStreaming, services => new DuplexStreamingServerCallHandler<TRequest, TResponse>(method, handler, services));
    }

    public ServiceDefinition Build() => new(_serviceName, _descriptor, _methods.ToArray());

    private ServiceDefinitionBuilder Add(IMethod method, MethodType expectedType, Func<GrpcServerServices, ServerCallHandler> createHandler)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expectedType)
        {
            throw new ArgumentException($"{method.FullName} is {method.Type}, not {expectedType}.", nameof(method));
        }

        if (method.ServiceName != _serviceName)
        {
            throw new ArgumentException($"{method.FullName} belongs to another service than {_serviceName}.", nameof(method));
        }

        if (_methods.Exists(m => m.Method.Name == method.Name))
        {
            throw new ArgumentException($"{method.FullName} is added twice.", nameof(method));
        }

        if (_descriptor is not null)
        {
            var described = _descriptor.FindMethodByName(method.Name)
                ?? throw new ArgumentException($"{method.FullName} is not in the descriptor of {_serviceName}.", nameof(method));
            var describedType = (described.IsClientStreaming, described.IsServerStreaming) switch
            {
                (false, false) => MethodType.Unary,
                (false, true) => MethodType.ServerStreaming,
                (true, false) => MethodType.ClientStreaming,
                (true, true) => MethodType.DuplexStreaming,
            };
            if (describedType != method.Type)
            {
                throw new ArgumentException($"{method.FullName} is {method.Type} but its descriptor says {describedType}.", nameof(method));
            }
        }

        _methods.Add(new ServerMethodDefinition(method, createHandler));
        return this;
    }
}
