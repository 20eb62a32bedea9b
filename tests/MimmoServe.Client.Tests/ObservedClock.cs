using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace MimmoServe.Client.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that remembers the timers made on it, so a test can wait until a backoff's timer
/// exists before it advances the clock (advancing first would leave the timer due a full delay after the advance).
/// </summary>
internal sealed class ObservedClock : FakeTimeProvider
{
    private readonly ConcurrentQueue<(DateTimeOffset Created, TimeSpan Due)> _timers = new();

    public ObservedClock()
        : base(DateTimeOffset.UtcNow)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue((GetUtcNow(), dueTime));
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits (spinning, no sleep) until a timer due after <paramref name="due"/> was made at the clock's present time.</summary>
    public void WaitForTimer(TimeSpan due)
    {
        var now = GetUtcNow();
        Assert.True(
            SpinWait.SpinUntil(() => _timers.Any(t => t.Created == now && t.Due == due), TimeSpan.FromSeconds(20)),
            $"no timer of {due} made at {now:O}; made: {string.Join(", ", _timers.Select(t => $"{t.Due} at {t.Created:O}"))}");
    }
}
