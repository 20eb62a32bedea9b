namespace MimmoServe.Onnx;

/// <summary>
/// Checks a <see cref="TensorBuffer"/> against a model input or output before ORT sees it, so that mistakes give
/// an <see cref="ArgumentException"/> naming the tensor, what the model expects and what was passed. Allocates
/// only when it throws.
/// </summary>
internal static class TensorBufferValidator
{
    /// <summary>Returns the byte length of the tensor the buffer's shape describes.</summary>
    public static long Validate(in TensorBuffer buffer, TensorInfo info, string role)
    {
        if (!info.IsTensor)
        {
            throw Problem(role, info, "is not a tensor; Run takes tensors only");
        }

        if (buffer.ElementType != info.ElementType)
        {
            throw Problem(role, info, $"expects {info.ElementType} elements but the buffer holds {buffer.ElementType}");
        }

        var size = buffer.ElementType.SizeInBytes();
        if (size == 0)
        {
            throw Problem(role, info, $"has element type {info.ElementType}, which a caller-owned buffer cannot hold");
        }

        var shape = buffer.Shape.Span;
        var expected = info.Dimensions;
        if (shape.Length != expected.Length)
        {
            throw Problem(role, info, $"expects rank {expected.Length} {info.ShapeText} but got shape {TensorInfo.FormatShape(shape)}");
        }

        long elements = 1;
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw Problem(role, info, $"got negative dimension {i} in shape {TensorInfo.FormatShape(shape)}");
            }

            if (expected[i] >= 0 && expected[i] != shape[i])
            {
                throw Problem(role, info, $"dimension {i} must be {expected[i]} (model shape {info.ShapeText}) but got shape {TensorInfo.FormatShape(shape)}");
            }

            elements = checked(elements * shape[i]);
        }

        var bytes = checked(elements * size);
        if (bytes > buffer.ByteCapacity)
        {
            throw Problem(role, info,
                $"shape {TensorInfo.FormatShape(shape)} needs {elements} elements ({bytes} bytes) but the buffer holds {buffer.ByteCapacity / size} ({buffer.ByteCapacity} bytes)");
        }

        if (buffer.Data == 0 && bytes > 0)
        {
            throw Problem(role, info, "has no memory (a default TensorBuffer)");
        }

        return bytes;
    }

    public static ArgumentException CountMismatch(string parameter, TensorInfo[] expected, int actual) =>
        new($"The model has {expected.Length} {parameter} ({string.Join(", ", expected.Select(e => e.ToString()))}) but {actual} buffers were passed.", parameter);

    private static ArgumentException Problem(string role, TensorInfo info, string problem) =>
        new($"{role} '{info.Name}' {problem}.", role == "Input" ? "inputs" : "outputs");
}
