namespace MimmoServe.Onnx;

/// <summary>
/// The ONNX Runtime library could not be found, loaded, or is too old. The message names the path, where the path
/// came from (option, environment variable, application folder) and how to get a suitable library.
/// </summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message)
        : base(message)
    {
    }

    public OrtLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
