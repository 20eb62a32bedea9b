using MimmoServe.Onnx.ModelFiles;

namespace MimmoServe.Onnx.Tests.ModelFiles;

/// <summary>
/// External data outside the model's folder is refused before ONNX Runtime reads it, whatever the runtime's own
/// checks (the binding accepts runtimes from 1.17); external data inside the folder still loads.
/// </summary>
public sealed class ExternalDataCheckTests : IClassFixture<ExternalDataModels>
{
    private readonly ExternalDataModels _models;

    public ExternalDataCheckTests(ExternalDataModels models)
    {
        _models = models;
    }

    [Fact]
    public void CreateSession_ExternalDataInsideTheFolder_Loads()
    {
        using var session = OnnxRuntime.Shared.CreateSession(_models.Path("inside"));

        Assert.Equal("x", Assert.Single(session.Inputs).Name);
    }

    [Theory]
    [InlineData("parent", "'../outside.bin', a path with '..'")]
    [InlineData("climbing", "'sub/../../outside.bin', a path with '..'")]
    [InlineData("constant", "'../outside.bin', a path with '..'")]
    [InlineData("subgraph", "'../outside.bin', a path with '..'")]
    public void CreateSession_ExternalDataOutsideTheFolder_RefusedNamingTensorAndLocation(string model, string expected)
    {
        var e = Assert.Throws<OnnxModelException>(() => OnnxRuntime.Shared.CreateSession(_models.Path(model)));

        Assert.Contains($"tensor 'W' keeps its data in the external file {expected}", e.Message, StringComparison.Ordinal);
        Assert.Contains("external data must be a relative path inside the model's folder", e.Message, StringComparison.Ordinal);
        Assert.Equal(_models.Path(model), e.ModelPath);
    }

    [Fact]
    public void CreateSession_ExternalDataAtAnAbsolutePath_Refused()
    {
        var e = Assert.Throws<OnnxModelException>(() => OnnxRuntime.Shared.CreateSession(_models.Path("absolute")));

        Assert.Contains($"'{Path.Combine(_models.Root, "outside.bin")}', an absolute path", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weights.bin", null)]
    [InlineData("data/weights.bin", null)]
    [InlineData("./weights.bin", null)]
    [InlineData("..weights.bin", null)]
    [InlineData("../weights.bin", "a path with '..'")]
    [InlineData("data/../../weights.bin", "a path with '..'")]
    [InlineData("..\\weights.bin", "a path with '..'")]
    [InlineData("/etc/passwd", "an absolute path")]
    [InlineData("\\\\server\\share\\w.bin", "an absolute path")]
    [InlineData("", "not a file name")]
    [InlineData(".", "outside the model's folder")]
    public void Refusal_Location_RelativeInsideTheFolderOnly(string location, string? expected)
    {
        Assert.Equal(expected, ExternalDataCheck.Refusal(location, "/models/m"));
    }

    [Fact]
    public void Check_NotProtobuf_LeftToOnnxRuntime()
    {
        // A corrupt file is ORT's to report (INVALID_PROTOBUF), not ours.
        var e = Assert.Throws<OrtException>(() => OnnxRuntime.Shared.CreateSession(Fixtures.Corrupt));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.ErrorCode);
    }
}
