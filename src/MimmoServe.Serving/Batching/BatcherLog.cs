using Microsoft.Extensions.Logging;
using MimmoServe.Onnx;

namespace MimmoServe.Serving.Batching;

/// <summary>The batcher's log events (source-generated; event ids 1100-1199; the repository has 1000-1099).</summary>
internal static partial class BatcherLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Error,
        Message = "Model {Model}: a run of {Rows} rows failed; its {Requests} requests fail, other batches are " +
            "unaffected")]
    public static partial void RunFailed(ILogger logger, Exception exception, string model, int rows, int requests);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Critical, Message = "Model {Model}: the batcher stopped on an unexpected error; queued requests fail")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Model {Model}: runs on {From} kept failing, the circuit breaker opened: the model now runs on a new {To} " +
            "session (it stays SERVING)")]
    public static partial void FailedOver(ILogger logger, Exception? exception, string model, ExecutionProvider from, ExecutionProvider to);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error,
        Message = "Model {Model}: runs on {From} kept failing, but a CPU session could not be created; runs fail until the " +
            "breaker closes")]
    public static partial void FailOverFailed(ILogger logger, Exception exception, string model, ExecutionProvider from);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning,
        Message = "Model {Model}: the shutdown grace period ended; {Queued} queued request(s) answered UNAVAILABLE, running runs " +
            "stopped")]
    public static partial void Aborted(ILogger logger, string model, int queued);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error,
        Message = "Model {Model}: a run of stage {Stage} ({Rows} rows) failed; its {Requests} requests that had not stopped " +
            "fail, other runs are unaffected")]
    public static partial void StageRunFailed(ILogger logger, Exception exception, string model, int stage, int rows, int requests);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error,
        Message = "Model {Model}: a run of stage {Stage} ({Rows} rows) ran, but answering its {Requests} requests failed; those " +
            "not answered yet fail, the runner is free again")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, string model, int stage, int rows, int requests);
}
