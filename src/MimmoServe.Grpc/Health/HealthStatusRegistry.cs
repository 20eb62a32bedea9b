using System.Threading.Channels;
using MimmoServe.Grpc.Health.V1;

namespace MimmoServe.Grpc.Health;

/// <summary>
/// The serving status of the server as a whole ("") and of each service, as grpc.health.v1 reports it.
/// The host flips statuses (start-up, shutdown, a model that stops loading); Watch calls follow changes.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly object _lock = new();
    private readonly Dictionary<string, HealthCheckResponse.Types.ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ChannelWriter<HealthCheckResponse.Types.ServingStatus>>> _watchers = new(StringComparer.Ordinal);

    /// <summary>The server as a whole.</summary>
    public const string OverallService = "";

    public void SetStatus(string service, HealthCheckResponse.Types.ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Sets every known service (and the overall status) at once, e.g. NOT_SERVING when shutdown begins.</summary>
    public void SetAll(HealthCheckResponse.Types.ServingStatus status)
    {
        lock (_lock)
        {
            _statuses[OverallService] = status;
            foreach (var service in _statuses.Keys.ToArray())
            {
                _statuses[service] = status;
                Notify(service, status);
            }
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN.</summary>
    public void Clear(string service)
    {
        lock (_lock)
        {
            _statuses.Remove(service);
            Notify(service, HealthCheckResponse.Types.ServingStatus.ServiceUnknown);
        }
    }

    public bool TryGetStatus(string service, out HealthCheckResponse.Types.ServingStatus status)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out status);
        }
    }

    /// <summary>
    /// Follows one service: the reader gets the current status at once (SERVICE_UNKNOWN when not set), then
    /// each change. Only the latest status is kept for a slow reader. Dispose the watch to stop.
    /// </summary>
    internal HealthWatch Watch(string service)
    {
        var channel = Channel.CreateBounded<HealthCheckResponse.Types.ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : HealthCheckResponse.Types.ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list))
            {
                _watchers[service] = list = [];
            }

            list.Add(channel.Writer);
        }

        return new HealthWatch(channel.Reader, () => Unwatch(service, channel.Writer));
    }

    private void Unwatch(string service, ChannelWriter<HealthCheckResponse.Types.ServingStatus> writer)
    {
        lock (_lock)
        {
            if (_watchers.TryGetValue(service, out var list) && list.Remove(writer) && list.Count == 0)
            {
                _watchers.Remove(service);
            }
        }
    }

    // Called under the lock so that watchers see changes in the order they were made. TryWrite is cheap and
    // does not run the reader's continuation inline (the channel does not allow synchronous continuations).
    private void Notify(string service, HealthCheckResponse.Types.ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var writer in list)
            {
                writer.TryWrite(status);
            }
        }
    }
}
