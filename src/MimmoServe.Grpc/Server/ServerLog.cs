using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Server;

/// <summary>Log messages of the server call path. Per-call events are Debug: at 10k+ calls/s anything louder costs throughput.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Handler of {Method} threw; the call ends with {StatusCode}.")]
    public static partial void HandlerFailed(ILogger logger, string method, Protocol.StatusCode statusCode, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, Protocol.StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Deadline of {Method} passed after {Timeout}.")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Client of {Method} cancelled or went away.")]
    public static partial void ClientCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Rejected a request to {Path}: {Detail}")]
    public static partial void RequestRejected(ILogger logger, string path, string detail);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Invalid grpc-timeout '{Value}' on {Method}; the call runs without a deadline.")]
    public static partial void InvalidTimeout(ILogger logger, string method, string value);
}
