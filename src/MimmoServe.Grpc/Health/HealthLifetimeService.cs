using Microsoft.Extensions.Hosting;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Health;

/// <summary>
/// Flips health with the host's life: once the server has started, "" and every hosted service are
/// SERVING; when shutdown begins, all are NOT_SERVING, so that load balancers drain before calls stop.
/// A host that must load models first can set "" to NOT_SERVING itself and flip it when ready.
/// </summary>
internal sealed class HealthLifetimeService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly HealthStatusRegistry _registry;
    private readonly GrpcServiceRegistry _services;
    private readonly List<CancellationTokenRegistration> _registrations = [];

    public HealthLifetimeService(IHostApplicationLifetime lifetime, HealthStatusRegistry registry, GrpcServiceRegistry services)
    {
        _lifetime = lifetime;
        _registry = registry;
        _services = services;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(_lifetime.ApplicationStarted.Register(OnStarted));
        _registrations.Add(_lifetime.ApplicationStopping.Register(() => _registry.SetAll(HealthCheckResponse.Types.ServingStatus.NotServing)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        return Task.CompletedTask;
    }

    private void OnStarted()
    {
        // A status the host set before start-up (e.g. "" NOT_SERVING until models load) is kept.
        foreach (var name in _services.Services.Select(s => s.Name).Prepend(HealthStatusRegistry.OverallService))
        {
            if (!_registry.TryGetStatus(name, out _))
            {
                _registry.SetStatus(name, HealthCheckResponse.Types.ServingStatus.Serving);
            }
        }
    }
}
