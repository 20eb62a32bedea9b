using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Hosting;

/// <summary>The host's log events (source-generated; event ids 2000-2099).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Loading models from {Directory} (provider {Provider}, intra-op threads {IntraOpThreads}, inter-op threads {InterOpThreads})")]
    public static partial void Loading(ILogger logger, string directory, string provider, string intraOpThreads, string interOpThreads);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "ONNX Runtime {Version} (C API {ApiVersion}) from {Library}; providers compiled in: {Providers}")]
    public static partial void RuntimeLoaded(ILogger logger, string version, uint apiVersion, string library, string providers);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "SERVING {Count} model(s) on port {Port}: {Models}; default model {Default}; health names {HealthNames}")]
    public static partial void Serving(ILogger logger, int count, string port, string models, string? @default, string healthNames);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "{Count} model folder(s) not served: {Failures}")]
    public static partial void NotServed(ILogger logger, int count, string failures);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Critical, Message = "MimmoServe cannot serve: {Reason}")]
    public static partial void CannotServe(ILogger logger, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Shutting down: health NOT_SERVING, new requests UNAVAILABLE, draining {Queued} queued request(s) within {GraceSeconds} s")]
    public static partial void Draining(ILogger logger, int queued, int graceSeconds);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Stopped: every queued request was answered")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "{Method} failed")]
    public static partial void CallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "The shutdown grace of {GraceSeconds} s ended before the drain: {Queued} queued request(s) answered UNAVAILABLE, running runs stopped")]
    public static partial void GraceEnded(ILogger logger, int graceSeconds, int queued);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Warmed up the call path: {Calls} Predict call(s) to itself in {Seconds:F1} s over {Models} model(s), ended by {Ending}")]
    public static partial void WarmedUp(ILogger logger, long calls, double seconds, int models, string ending);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The call-path warm-up ended early after {Calls} call(s) in {Seconds:F1} s: {Status} {Detail}; serving anyway")]
    public static partial void WarmupFailed(ILogger logger, long calls, double seconds, MimmoServe.Grpc.Protocol.StatusCode status, string detail);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "No call-path warm-up: {Reason}")]
    public static partial void WarmupSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "The call-path warm-up failed; serving anyway")]
    public static partial void WarmupError(ILogger logger, Exception exception);
}
