namespace MimmoServe.Client.Resilience;

/// <summary>
/// Exponential backoff with "equal jitter": retry n (0-based) waits d/2 + jitter * d/2 with d = min(cap, base * 2^n),
/// so the wait never collapses to 0 and clients that failed together spread out.
/// </summary>
internal static class Backoff
{
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, double jitter)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        var capped = Math.Min(exponential, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Math.Clamp(jitter, 0, 1) * capped / 2));
    }
}
