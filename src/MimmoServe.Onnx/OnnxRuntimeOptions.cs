namespace MimmoServe.Onnx;

/// <summary>Process-wide settings of the binding, fixed by the first <see cref="OnnxRuntime.Initialize"/>.</summary>
public sealed class OnnxRuntimeOptions
{
    /// <summary>
    /// Path of <c>libonnxruntime.so</c>; named to bind from config key <c>Onnx:Library</c>. Default null: then
    /// <c>MIMMO_ORT_LIBRARY</c>, then the application folder (see README). An explicit path that fails is an error.
    /// </summary>
    public string? Library { get; set; }

    /// <summary>Threshold of ORT's log. Default <see cref="OrtLogLevel.Warning"/>.</summary>
    public OrtLogLevel LogLevel { get; set; } = OrtLogLevel.Warning;

    /// <summary>Log id of the ORT environment. Default <c>mimmo</c>.</summary>
    public string LogId { get; set; } = OnnxConstants.DefaultLogId;

    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(LogLevel))
        {
            throw new ArgumentException($"{nameof(LogLevel)} {(int)LogLevel} is not an ORT log level.", nameof(LogLevel));
        }

        if (string.IsNullOrEmpty(LogId) || LogId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(LogId)} must be a non-empty string without NUL.", nameof(LogId));
        }

        if (Library is not null && Library.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(Library)} contains NUL.", nameof(Library));
        }
    }
}
