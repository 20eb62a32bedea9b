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

    [Fact]
    public async Task OperatorComputing_NamedPipe_NullWithoutOpeningIt()
    {
        var folder = Directory.CreateTempSubdirectory("mimmo-graph-fifo-");
        try
        {
            var fifo = Path.Combine(folder.FullName, "model.onnx");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            {
                await mkfifo.WaitForExitAsync();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            // Opening a pipe for reading waits for a writer: a read of it would never return.
            var read = Task.Run(() => OnnxGraph.OperatorComputing(fifo, "logits"));
            Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
