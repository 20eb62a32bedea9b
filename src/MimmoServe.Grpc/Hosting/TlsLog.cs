using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Hosting;

/// <summary>Log events of the TLS files (source-generated; event ids 20-29). Once per change of a file, never per handshake.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Reloaded the {What} from {Files}")]
    public static partial void Reloaded(ILogger logger, string what, string files);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning,
        Message = "The {What} changed but cannot be used ({Files}): {Reason}. New connections keep the previous one until the files change again")]
    public static partial void ReloadFailed(ILogger logger, string what, string files, string reason);
}
