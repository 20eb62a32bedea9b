using System.Text.Json;

namespace MimmoServe.Onnx.Tests;

/// <summary>Loading, inspection, metadata, numeric runs and disposal of <see cref="OnnxSession"/>.</summary>
public class OnnxSessionTests
{
    private static OnnxRuntime Runtime => OnnxRuntime.Shared;

    [Fact]
    public void Inputs_AffineModel_NamesTypesAndSymbolicBatch()
    {
        using var session = Runtime.CreateSession(Fixtures.Affine);

        var x = Assert.Single(session.Inputs);
        Assert.Equal("x", x.Name);
        Assert.True(x.IsTensor);
        Assert.Equal(TensorElementType.Float, x.ElementType);
        Assert.Equal([-1L, 4L], x.Shape);
        Assert.Equal(["batch", ""], x.SymbolicShape);
        Assert.Equal("x: Float[batch,4]", x.ToString());
    }

    [Fact]
    public void Outputs_AffineModel_InOrderWithShapes()
    {
        using var session = Runtime.CreateSession(Fixtures.Affine);

        Assert.Equal(["y", "z"], session.Outputs.Select(o => o.Name));
        Assert.Equal("[batch,4]", session.Outputs[0].ShapeText);
        Assert.Equal("[batch,3]", session.Outputs[1].ShapeText);
        Assert.All(session.Outputs, o => Assert.Equal(TensorElementType.Float, o.ElementType));
    }

    [Fact]
    public void Inputs_LoopModel_ScalarInt64AndFixedShape()
    {
        using var session = Runtime.CreateSession(Fixtures.Loop);

        Assert.Equal("trip_count: Int64[]", session.Inputs[0].ToString());
        Assert.Equal(0, session.Inputs[0].Rank);
        Assert.Equal("x: Float[1,64]", session.Inputs[1].ToString());
    }

    [Fact]
    public void Metadata_MetadataModel_RoundTripsEveryCustomEntryAndTheStandardFields()
    {
        using var session = Runtime.CreateSession(Fixtures.Metadata);
        var metadata = session.Metadata;

        var expected = new Dictionary<string, string>
        {
            ["mimmo.ensemble_size"] = "3",
            ["mimmo.heads"] = """{"heads":[{"name":"head0","exit":1},{"name":"head1","exit":2}],"temperature":1.5}""",
            ["größe"] = "groß 模型 ✓",
            ["multi.line"] = "line one\nline two",
            ["empty"] = "",
        };
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), metadata.CustomMetadata.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal("mimmo-fixtures", metadata.ProducerName);
        Assert.Equal("metadata_graph", metadata.GraphName);
        Assert.Equal("ai.mimmo.test", metadata.Domain);
        Assert.Equal("Fixture with custom metadata.", metadata.Description);
        Assert.Equal("Graph description of the metadata fixture.", metadata.GraphDescription);
        Assert.Equal(7, metadata.Version);

        using var heads = JsonDocument.Parse(metadata.CustomMetadata["mimmo.heads"]);
        Assert.Equal(2, heads.RootElement.GetProperty("heads").GetArrayLength());
    }

    [Fact]
    public void Metadata_ModelWithoutCustomEntries_IsEmptyMap()
    {
        using var session = Runtime.CreateSession(Fixtures.Affine);

        Assert.Empty(session.Metadata.CustomMetadata);
        Assert.Equal("affine_graph", session.Metadata.GraphName);
    }

    [Fact]
    public void Run_AffineBatchOf3_ComputesTwoXPlusOneAndMatMul()
    {
        using var session = Runtime.CreateSession(Fixtures.Affine);
        const int batch = 3;
        var x = new PinnedBuffer<float>(batch * 4);
        for (var i = 0; i < x.Length; i++)
        {
            x.Span[i] = (i * 0.25f) - 1f;
        }

        var y = new PinnedBuffer<float>(batch * 4);
        var z = new PinnedBuffer<float>(batch * 3);

        session.Run([x.AsTensor(new long[] { batch, 4 })], [y.AsTensor(new long[] { batch, 4 }), z.AsTensor(new long[] { batch, 3 })]);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal((2 * x.Span[i]) + 1, y.Span[i], 6);
        }

        for (var b = 0; b < batch; b++)
        {
            for (var j = 0; j < 3; j++)
            {
                var sum = 0f;
                for (var k = 0; k < 4; k++)
                {
                    sum += x.Span[(b * 4) + k] * Fixtures.AffineWeight(k, j);
                }

                Assert.Equal(sum, z.Span[(b * 3) + j], 5);
            }
        }
    }

    [Fact]
    public void Run_ConvNet_MatchesNumpyReference()
    {
        using var session = Runtime.CreateSession(Fixtures.Conv);
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("conv.expected.json")));
        var root = expected.RootElement;
        var inputShape = root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var outputShape = root.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var input = root.GetProperty("input_data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var reference = root.GetProperty("output_data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var image = new PinnedBuffer<float>(input.Length);
        input.CopyTo(image.Span);
        var logits = new PinnedBuffer<float>(reference.Length);

        session.Run([image.AsTensor(inputShape)], [logits.AsTensor(outputShape)]);

        Assert.Equal("image", session.Inputs[0].Name);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.True(Math.Abs(reference[i] - logits.Span[i]) < 1e-4, $"logit {i}: expected {reference[i]}, got {logits.Span[i]}");
        }
    }

    [Fact]
    public void Run_LoopModelWithTripCount10_CountsTen()
    {
        using var session = Runtime.CreateSession(Fixtures.Loop);
        var (inputs, outputs, count) = LoopBuffers(10);

        session.Run(inputs, outputs);

        Assert.Equal(10f, count.Span[0]);
    }

    [Fact]
    public void CreateSession_NonAsciiPath_LoadsTheModel()
    {
        var folder = Directory.CreateTempSubdirectory("mimmo-ört-").FullName;
        try
        {
            var path = System.IO.Path.Combine(folder, "modèle-模型.onnx");
            File.Copy(Fixtures.Affine, path);

            using var session = Runtime.CreateSession(path);

            Assert.Equal(path, session.ModelPath);
            Assert.Equal(["y", "z"], session.Outputs.Select(o => o.Name));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CreateSession_CorruptFile_ThrowsOrtExceptionWithInvalidProtobuf()
    {
        var e = Assert.Throws<OrtException>(() => Runtime.CreateSession(Fixtures.Corrupt));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.ErrorCode);
        Assert.Contains("corrupt.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSession_MissingFile_ThrowsOrtExceptionWithNoSuchFileNamingIt()
    {
        var path = Fixtures.Path("does-not-exist.onnx");

        var e = Assert.Throws<OrtException>(() => Runtime.CreateSession(path));

        Assert.Equal(OrtErrorCode.NoSuchFile, e.ErrorCode);
        Assert.Contains("does-not-exist.onnx", e.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrow()
    {
        var session = Runtime.CreateSession(Fixtures.Affine);

        session.Dispose();
        var second = Record.Exception(session.Dispose);

        Assert.Null(second);
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposedException()
    {
        var session = Runtime.CreateSession(Fixtures.Affine);
        var x = new PinnedBuffer<float>(4);
        var y = new PinnedBuffer<float>(4);
        var z = new PinnedBuffer<float>(3);
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run([x.AsTensor(new long[] { 1, 4 })], [y.AsTensor(new long[] { 1, 4 }), z.AsTensor(new long[] { 1, 3 })]));
        Assert.Throws<ObjectDisposedException>(() => session.Inputs);
        Assert.Throws<ObjectDisposedException>(() => session.Outputs);
        Assert.Throws<ObjectDisposedException>(() => session.Metadata);
        Assert.True(session.Handle.IsClosed);
    }

    internal static (TensorBuffer[] Inputs, TensorBuffer[] Outputs, PinnedBuffer<float> Count) LoopBuffers(long trips)
    {
        var tripCount = new PinnedBuffer<long>(1);
        tripCount.Span[0] = trips;
        var x = new PinnedBuffer<float>(64);
        x.Span.Fill(0.5f);
        var h = new PinnedBuffer<float>(64);
        var count = new PinnedBuffer<float>(1);
        long[] rowShape = [1, 64];
        return (
            [tripCount.AsTensor(Array.Empty<long>()), x.AsTensor(rowShape)],
            [h.AsTensor(rowShape), count.AsTensor(new long[] { 1 })],
            count);
    }
}
