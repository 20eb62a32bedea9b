namespace MimmoServe.Onnx.Tests.ModelFiles;

/// <summary>The operator computing a graph output, read from the file (tests/fixtures/make_fixtures.py makes the models).</summary>
public sealed class OnnxGraphTests
{
    [Theory]
    [InlineData("classifier_softmax.onnx", "probabilities", "Softmax")] // Gemm, Softmax, then a Reshape looked through
    [InlineData("classifier_sigmoid.onnx", "scores", "Sigmoid")]
    [InlineData("classifier.onnx", "logits", "Gemm")]
    [InlineData("regressor.onnx", "value", "Gemm")]
    public void OperatorComputing_Output_IsTheLastOperatorThatChangesValues(string model, string output, string expected) =>
        Assert.Equal(expected, OnnxGraph.OperatorComputing(Fixtures.Path(model), output));

    [Fact]
    public void OperatorComputing_NoSuchOutputOrNotOnnx_Null()
    {
        Assert.Null(OnnxGraph.OperatorComputing(Fixtures.Path("classifier.onnx"), "nope"));
        Assert.Null(OnnxGraph.OperatorComputing(Fixtures.Corrupt, "logits"));
        Assert.Null(OnnxGraph.OperatorComputing(Fixtures.Path("missing.onnx"), "logits"));
    }
}
