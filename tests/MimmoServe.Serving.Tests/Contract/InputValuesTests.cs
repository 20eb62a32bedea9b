using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Tests.Contract;

/// <summary>The input values a model declares (mimmo.input_scale, mimmo.input_offset, mimmo.input_range) or its config.json overrides.</summary>
public sealed class InputValuesTests
{
    [Fact]
    public void Read_NothingDeclared_AnyFiniteFloatAndNoBytes()
    {
        var input = Contracts.Mimo().Input;

        Assert.False(input.AcceptsBytes);
        Assert.Null(input.ByteScale);
        Assert.Null(input.Range);
        Assert.Equal("any finite float32; no uint8 bytes", input.Describe());
    }

    [Fact]
    public void Read_ScaleOffsetAndRange_EachByteIsOffsetPlusScaleTimesIt()
    {
        var input = Contracts.Mimo(m =>
        {
            m[ContractKeys.InputScale] = "0.5";
            m[ContractKeys.InputOffset] = "-64";
            m[ContractKeys.InputRange] = "[-64, 63.5]";
        }).Input;

        Assert.True(input.AcceptsBytes);
        Assert.Equal((-64f, 63.5f), input.Range);
        for (var b = 0; b < 256; b++)
        {
            Assert.Equal(-64f + (0.5f * b), input.ByteValues.Span[b]);
        }

        Assert.Equal("float32 in [-64, 63.5] (else refused), or uint8 bytes b meaning -64 + 0.5 x b", input.Describe());
    }

    [Fact]
    public void Read_ConfigOverrides_WinKeyByKey()
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata, StringComparer.Ordinal)
        {
            [ContractKeys.InputScale] = "2",
            [ContractKeys.InputRange] = "[0, 510]",
        };

        var input = ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata, overrides: new ContractOverrides(null, null, InputScale: 1.0 / 255, InputRange: [0, 1])).Input;

        Assert.Equal(1.0 / 255, input.ByteScale!.Value);
        Assert.Equal((0f, 1f), input.Range);
        Assert.Equal(1f, input.ByteValues.Span[255], 6);
    }

    [Fact]
    public void Read_PlainClassifierWithConfigScale_AcceptsBytes()
    {
        using var session = MimmoServe.Onnx.OnnxRuntime.Shared.CreateSession(Fixtures.Path("classifier.onnx"));

        var contract = ContractReader.Read(session, new ContractOverrides(null, null, InputScale: 1.0 / 255, InputOffset: null, InputRange: [0, 1]));

        Assert.True(contract.IsPlain);
        Assert.True(contract.Input.AcceptsBytes);
        Assert.Equal(0, contract.Input.ByteOffset);
    }

    [Theory]
    [InlineData(ContractKeys.InputScale, "0", null, null, "mimmo.input_scale", "is not a number above 0")]
    [InlineData(ContractKeys.InputScale, "-1", null, null, "mimmo.input_scale", "is not a number above 0")]
    [InlineData(ContractKeys.InputScale, "\"x\"", null, null, "mimmo.input_scale", "expected a finite number")]
    [InlineData(ContractKeys.InputScale, "1e-50", null, null, "mimmo.input_scale", "is not a number above 0")]
    [InlineData(ContractKeys.InputOffset, "1", null, null, "mimmo.input_offset", "an offset without a scale")]
    [InlineData(ContractKeys.InputRange, "[1, 0]", null, null, "mimmo.input_range", "is not [min, max] with min < max")]
    [InlineData(ContractKeys.InputRange, "[0]", null, null, "mimmo.input_range", "is not [min, max] with min < max")]
    [InlineData(ContractKeys.InputRange, "{}", null, null, "mimmo.input_range", "must be a JSON list")]
    [InlineData(ContractKeys.InputRange, "[0, 1]", ContractKeys.InputScale, "1", "mimmo.input_scale", "bytes 0..255 mean 0..255, outside the input range [0, 1] (mimmo.input_range)")]
    [InlineData(ContractKeys.InputRange, "[0, 1]", ContractKeys.InputOffset, "-0.5", "mimmo.input_offset", "an offset without a scale")]
    public void Read_BrokenDeclaration_RefusedNamingTheKey(string key, string value, string? otherKey, string? otherValue, string subject, string problem)
    {
        var error = Assert.Throws<ModelContractException>(() => Contracts.Mimo(m =>
        {
            m[key] = value;
            if (otherKey is not null)
            {
                m[otherKey] = otherValue!;
            }
        }));

        Assert.Equal(subject, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ScaleWithinRoundingOfTheRange_Accepted()
    {
        // 0.00392157 x 255 = 1.0000004: a rounding of 1/255, not a byte outside [0, 1].
        var input = Contracts.Mimo(m =>
        {
            m[ContractKeys.InputScale] = "0.00392157";
            m[ContractKeys.InputRange] = "[0, 1]";
        }).Input;

        Assert.True(input.AcceptsBytes);
    }

    [Fact]
    public void Read_ConfigScaleBeyondTheModelsRange_RefusedNamingTheConfigKey()
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata, StringComparer.Ordinal) { [ContractKeys.InputRange] = "[0, 1]" };

        var error = Assert.Throws<ModelContractException>(() =>
            ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata, overrides: new ContractOverrides(null, null, InputScale: 1)));

        Assert.Equal("input_scale (config.json)", error.Subject);
        Assert.Contains("(mimmo.input_range)", error.Message, StringComparison.Ordinal);
    }
}
