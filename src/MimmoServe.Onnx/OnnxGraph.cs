namespace MimmoServe.Onnx;

/// <summary>Facts about a model that ONNX Runtime's API does not give, read from its ONNX file.</summary>
public static class OnnxGraph
{
    /// <summary>
    /// The operator that computes the graph output <paramref name="output"/> (e.g. <c>Softmax</c>), looking back
    /// through reshapes, transposes and casts and through a Concat of outputs of one operator; null when it cannot
    /// be told (not readable as ONNX, no such output, an output that is a graph input or an initializer, or a Concat
    /// of mixed origins).
    /// </summary>
    /// <param name="modelPath">The model.onnx file.</param>
    /// <param name="output">The graph output's name.</param>
    public static string? OperatorComputing(string modelPath, string output)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(output);
        return ModelFiles.OutputOperators.Find(modelPath, output);
    }
}
