using System.Text;

namespace MimmoServe.Onnx;

/// <summary>
/// A session input or output: name, element type and shape. A dimension that is not fixed is -1 in
/// <see cref="Shape"/> and, when the model names it (e.g. "batch"), has that name in <see cref="SymbolicShape"/>.
/// Immutable.
/// </summary>
public sealed class TensorInfo
{
    internal TensorInfo(string name, bool isTensor, TensorElementType elementType, long[] dimensions, string[] symbolicDimensions)
    {
        Name = name;
        IsTensor = isTensor;
        ElementType = elementType;
        Dimensions = dimensions;
        Shape = Array.AsReadOnly(dimensions);
        SymbolicShape = Array.AsReadOnly(symbolicDimensions);
        ShapeText = FormatShape(dimensions, symbolicDimensions);
    }

    public string Name { get; }

    /// <summary>False for sequences, maps and other non-tensor values, which <see cref="OnnxSession.Run"/> does not take.</summary>
    public bool IsTensor { get; }

    public TensorElementType ElementType { get; }

    /// <summary>Dimensions; -1 where not fixed.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Symbolic names of dimensions; "" where the model gives none.</summary>
    public IReadOnlyList<string> SymbolicShape { get; }

    public int Rank => Dimensions.Length;

    /// <summary>The shape as text with symbolic names, e.g. "[batch,4]".</summary>
    public string ShapeText { get; }

    /// <summary>The dimensions as an array, for Run's validation without interface calls.</summary>
    internal long[] Dimensions { get; }

    public override string ToString() => $"{Name}: {ElementType}{ShapeText}";

    internal static string FormatShape(ReadOnlySpan<long> dimensions, IReadOnlyList<string>? symbols = null)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < dimensions.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            if (dimensions[i] < 0 && symbols is not null && symbols[i].Length > 0)
            {
                text.Append(symbols[i]);
            }
            else if (dimensions[i] < 0)
            {
                text.Append('?');
            }
            else
            {
                text.Append(dimensions[i]);
            }
        }

        return text.Append(']').ToString();
    }
}
