namespace MimmoServe.Onnx;

/// <summary>Severity threshold of ORT's own log (to stderr), as C <c>OrtLoggingLevel</c>.</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
