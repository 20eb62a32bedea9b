using MimmoServe.Grpc.Protocol;
using Polly.Timeout;

namespace MimmoServe.Client.Resilience;

/// <summary>Which failures another attempt may cure, and which ones count against an address's circuit.</summary>
internal static class RetryableFailures
{
    /// <summary>
    /// UNAVAILABLE (the server is down, draining, or its circuit is open) and RESOURCE_EXHAUSTED (its queue is
    /// full, refused before any work): the request did nothing, so sending it again is safe. An attempt that hit
    /// <see cref="MimmoClientOptions.AttemptTimeout"/> too.
    /// </summary>
    public static bool IsRetryable(Exception? exception) => exception switch
    {
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.ResourceExhausted } => true,
        TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>Only UNAVAILABLE says the address itself is broken; a full queue is a healthy server under load.</summary>
    public static bool CountsAgainstAddress(Exception? exception) =>
        exception is RpcException { StatusCode: StatusCode.Unavailable };
}
