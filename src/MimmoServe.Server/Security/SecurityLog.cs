using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Security;

/// <summary>Log events of authentication (source-generated; event ids 2100-2119). Tokens never appear in them.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Bearer-token authentication on: {Count} token(s) from {Path}; health and reflection stay open")]
    public static partial void AuthenticationOn(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Refused {Method}: {Kind}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, AccessFailure kind, string reason);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning,
        Message = "The tokens file {Path} can be read or changed by users other than its owner (mode {Mode}: {Permissions}); " +
                  "make it readable by the server alone: chmod 600")]
    public static partial void TokenFileShared(ILogger logger, string path, string mode, UnixFileMode permissions);
}
