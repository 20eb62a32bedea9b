using Polly;

namespace MimmoServe.Client.Resilience;

/// <summary>What one call carries through its pipeline in the <see cref="ResilienceContext"/>.</summary>
internal static class CallProperties
{
    /// <summary>The call's deadline (UTC): no attempt and no backoff reaches past it.</summary>
    public static readonly ResiliencePropertyKey<DateTime> Deadline = new("mimmo.deadline");

    /// <summary>The backoff chosen when the retry decided to retry, read back by its delay generator.</summary>
    public static readonly ResiliencePropertyKey<TimeSpan> NextDelay = new("mimmo.next-delay");
}
