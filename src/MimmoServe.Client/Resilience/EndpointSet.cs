namespace MimmoServe.Client.Resilience;

/// <summary>
/// The client's addresses, handed out round-robin. An address whose circuit is open is skipped while another one is
/// closed; when every circuit is open the plain round-robin one is returned and its circuit refuses the attempt.
/// </summary>
internal sealed class EndpointSet : IDisposable
{
    private readonly Endpoint[] _endpoints;
    private int _next = -1;

    public EndpointSet(Endpoint[] endpoints)
    {
        _endpoints = endpoints;
    }

    public IReadOnlyList<Endpoint> All => _endpoints;

    public Endpoint Next()
    {
        // Unsigned so that wrapping past int.MaxValue keeps the order.
        var start = (uint)Interlocked.Increment(ref _next);
        for (var i = 0u; i < (uint)_endpoints.Length; i++)
        {
            var endpoint = _endpoints[(start + i) % (uint)_endpoints.Length];
            if (!endpoint.IsOpen)
            {
                return endpoint;
            }
        }

        return _endpoints[start % (uint)_endpoints.Length];
    }

    public void Dispose()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }
    }
}
