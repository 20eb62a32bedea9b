using MimmoServe.Onnx;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Serving.Repository;

/// <summary>The model repository's log events (source-generated; event ids 1000-1099).</summary>
internal static partial class RepositoryLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Model {Model} loaded from {Path}: family {Family}, M={Slots}, E={Exits}, K={Classes}, ensemble sizes [{Sizes}], default k={DefaultSize}, on {Provider}, warmed up in {WarmUpMs:F1} ms")]
    public static partial void Loaded(ILogger logger, string model, string path, string family, int slots, int exits, int classes, string sizes, int defaultSize, ExecutionProvider provider, double warmUpMs);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Model {Model}: execution provider {Requested} is not usable, running on {Actual}: {Reason}")]
    public static partial void ProviderFellBack(ILogger logger, string model, ExecutionProvider requested, ExecutionProvider actual, string? reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Model {Model} is not served ({Path}): {Reason}")]
    public static partial void Failed(ILogger logger, string model, string path, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Skipping {Folder}: no model.onnx")]
    public static partial void Skipped(ILogger logger, string folder);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Serving {Count} models from {Directory}; default model {Default}")]
    public static partial void Ready(ILogger logger, int count, string directory, string? @default);
}
