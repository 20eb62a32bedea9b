using Microsoft.Extensions.Logging;

namespace MimmoServe.Serving.Batching;

/// <summary>The batcher's log events (source-generated; event ids 2000-2099).</summary>
internal static partial class BatcherLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Error, Message = "Model {Model}: a run of {Rows} rows failed; its {Requests} requests fail, other batches are unaffected")]
    public static partial void RunFailed(ILogger logger, Exception exception, string model, int rows, int requests);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Critical, Message = "Model {Model}: the batcher stopped on an unexpected error; queued requests fail")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string model);
}
