using System.Threading.Channels;
using MimmoServe.Grpc.Health.V1;

namespace MimmoServe.Grpc.Health;

/// <summary>A subscription to one service's status; disposing it unsubscribes.</summary>
internal sealed class HealthWatch : IDisposable
{
    private readonly Action _unsubscribe;

    public HealthWatch(ChannelReader<HealthCheckResponse.Types.ServingStatus> statuses, Action unsubscribe)
    {
        Statuses = statuses;
        _unsubscribe = unsubscribe;
    }

    public ChannelReader<HealthCheckResponse.Types.ServingStatus> Statuses { get; }

    public void Dispose() => _unsubscribe();
}
