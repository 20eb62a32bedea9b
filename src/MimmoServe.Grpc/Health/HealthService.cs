using Microsoft.Extensions.Hosting;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Health;

/// <summary>grpc.health.v1.Health: Check answers the registry's status; Watch streams it until the client leaves.</summary>
internal sealed class HealthService : IGrpcService
{
    internal static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        new(MethodType.Unary, ServiceName, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    internal static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        new(MethodType.ServerStreaming, ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private const string ServiceName = "grpc.health.v1.Health";

    // Replies are immutable once built; sharing them saves an allocation per Check.
    private static readonly Dictionary<HealthCheckResponse.Types.ServingStatus, HealthCheckResponse> Responses =
        Enum.GetValues<HealthCheckResponse.Types.ServingStatus>().ToDictionary(s => s, s => new HealthCheckResponse { Status = s });

    private static readonly Status ShuttingDown = new(StatusCode.Unavailable, "The server is shutting down.");

    private readonly HealthStatusRegistry _registry;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IHealthNameResolver? _names;

    public HealthService(HealthStatusRegistry registry, IHostApplicationLifetime lifetime, IHealthNameResolver? names = null)
    {
        _registry = registry;
        _lifetime = lifetime;
        _names = names;
    }

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(HealthReflection.Descriptor.Services[0])
            .AddUnary(CheckMethod, Check)
            .AddServerStreaming(WatchMethod, Watch)
            .Build();

    private Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!_registry.TryGetStatus(Resolve(request.Service, context), out var status))
        {
            // The name is echoed; the status writer caps grpc-message, so a huge name cannot make a huge trailer.
            throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));
        }

        return Task.FromResult(Responses[status]);
    }

    private async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        using var watch = _registry.Watch(Resolve(request.Service, context));
        // A watch would otherwise hold graceful shutdown until its timeout: it ends when shutdown begins.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        HealthCheckResponse.Types.ServingStatus? last = null;
        try
        {
            await foreach (var status in watch.Statuses.ReadAllAsync(ending.Token).ConfigureAwait(false))
            {
                last = await SendIfChangedAsync(responses, status, last, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client left or its deadline passed: the normal end of a watch.
        }
        catch (OperationCanceledException) when (_lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Shutdown sets every status NOT_SERVING (HealthLifetimeService); this watch may wake before the
            // registry does, so it says so itself, then ends so that the watcher goes elsewhere.
            await SendIfChangedAsync(responses, HealthCheckResponse.Types.ServingStatus.NotServing, last, context.CancellationToken).ConfigureAwait(false);
            throw new RpcException(ShuttingDown);
        }
    }

    private string Resolve(string requested, ServerCallContext context) => _names?.Resolve(requested, context) ?? requested;

    private static async Task<HealthCheckResponse.Types.ServingStatus> SendIfChangedAsync(
        IServerStreamWriter<HealthCheckResponse> responses, HealthCheckResponse.Types.ServingStatus status, HealthCheckResponse.Types.ServingStatus? last, CancellationToken cancellationToken)
    {
        if (status != last)
        {
            await responses.WriteAsync(Responses[status], cancellationToken).ConfigureAwait(false);
        }

        return status;
    }
}
