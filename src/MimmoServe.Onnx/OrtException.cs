namespace MimmoServe.Onnx;

/// <summary>An error ONNX Runtime reported: its error code and its message, unchanged.</summary>
public sealed class OrtException : Exception
{
    public OrtException(OrtErrorCode errorCode, string message)
        : base($"[ONNX Runtime {errorCode}] {message}")
    {
        ErrorCode = errorCode;
        OrtMessage = message;
    }

    /// <summary>ORT's <c>OrtErrorCode</c>.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ORT's message without the code prefix (what a fallback reason reports).</summary>
    public string OrtMessage { get; }
}
