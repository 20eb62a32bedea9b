namespace MimmoServe.Grpc.Server;

/// <summary>
/// The services the server hosts, filled when the endpoints are mapped (before the server starts) and
/// read afterwards by reflection and the health start-up; no lock is needed after start.
/// </summary>
internal sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDefinition> _services = [];

    public IReadOnlyList<ServiceDefinition> Services => _services;

    public void Add(ServiceDefinition service)
    {
        if (_services.Exists(s => s.Name == service.Name))
        {
            throw new InvalidOperationException($"Service {service.Name} is registered twice.");
        }

        _services.Add(service);
    }

    public bool Contains(string serviceName) => _services.Exists(s => s.Name == serviceName);
}
