using Microsoft.Extensions.Logging;

namespace MimmoServe.Client.Resilience;

/// <summary>The client's log messages (event ids 100-199).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(100, LogLevel.Debug, "Attempt on {Address} failed with {Status}")]
    public static partial void AttemptFailed(ILogger logger, Uri address, string status);

    [LoggerMessage(101, LogLevel.Information, "Retry {Retry} after {Delay} ms ({Status})")]
    public static partial void Retrying(ILogger logger, int retry, double delay, string status);

    [LoggerMessage(102, LogLevel.Information, "No retry after {Status}: the backoff of {Delay} ms would pass the deadline ({Remaining} ms left)")]
    public static partial void RetryWouldPassDeadline(ILogger logger, string status, double delay, double remaining);

    [LoggerMessage(103, LogLevel.Warning, "Circuit of {Address} opened for {BreakDuration} ms")]
    public static partial void CircuitOpened(ILogger logger, Uri address, double breakDuration);

    [LoggerMessage(104, LogLevel.Information, "Circuit of {Address} closed")]
    public static partial void CircuitClosed(ILogger logger, Uri address);

    [LoggerMessage(105, LogLevel.Debug, "Hedging attempt {Attempt}")]
    public static partial void Hedging(ILogger logger, int attempt);
}
