namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// A budget of request bytes held in memory across every call of a server: each message reserves its bytes when its
/// 5-byte header arrives, before any of it is buffered, and gives them back once the call no longer holds them. A
/// message that does not fit ends its call with RESOURCE_EXHAUSTED at once, so that many slow or held-open calls
/// cannot together buffer more than the budget.
/// </summary>
/// <remarks>Threading: lock-free; <see cref="TryReserve"/> never lets the total pass the capacity.</remarks>
internal sealed class ReceiveBudget
{
    private long _inUse;

    public ReceiveBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public long Capacity { get; }

    /// <summary>Bytes reserved now.</summary>
    public long InUse => Volatile.Read(ref _inUse);

    /// <summary>Reserves <paramref name="bytes"/> if they fit; false (and nothing reserved) otherwise.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var current = Volatile.Read(ref _inUse);
        while (true)
        {
            if (bytes > Capacity - current)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _inUse, current + bytes, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _inUse, -bytes);
    }
}
