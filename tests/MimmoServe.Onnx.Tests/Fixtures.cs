namespace MimmoServe.Onnx.Tests;

/// <summary>Paths of the models in tests/fixtures (see make_fixtures.py for what each computes).</summary>
internal static class Fixtures
{
    /// <summary>Identity on x[1] with producer, graph, descriptions, version 7 and five custom metadata entries.</summary>
    public static string Metadata => Path("metadata.onnx");

    /// <summary>x[batch,4] → y = 2x+1 [batch,4], z = x·W [batch,3] with W[i,j] = (3i+j)/2.</summary>
    public static string Affine => Path("affine.onnx");

    /// <summary>image[batch,1,6,6] → Conv, Relu, GlobalAveragePool, Gemm → logits[batch,3]; expected values in conv.expected.json.</summary>
    public static string Conv => Path("conv.onnx");

    /// <summary>Loop of trip_count iterations over a 64×64 MatMul and Tanh (about 3 µs each here); output count = trip_count.</summary>
    public static string Loop => Path("loop.onnx");

    /// <summary>The first half of affine.onnx.</summary>
    public static string Corrupt => Path("corrupt.onnx");

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    /// <summary>The W of affine.onnx.</summary>
    public static float AffineWeight(int row, int column) => ((3 * row) + column) / 2f;
}
