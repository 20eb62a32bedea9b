namespace MimmoServe.Onnx;

/// <summary>
/// A model file the binding refuses before ONNX Runtime reads it (see <see cref="ModelFiles.ExternalDataCheck"/>): the
/// message names the file, the tensor and what is wrong.
/// </summary>
public sealed class OnnxModelException : Exception
{
    public OnnxModelException(string modelPath, string message)
        : base(message)
    {
        ModelPath = modelPath;
    }

    /// <summary>The model file refused.</summary>
    public string ModelPath { get; }
}
