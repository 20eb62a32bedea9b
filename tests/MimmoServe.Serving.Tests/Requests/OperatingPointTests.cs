using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Requests;

public sealed class OperatingPointTests
{
    [Theory]
    [InlineData("accuracy", 3)]
    [InlineData("Throughput", 1)]
    [InlineData("balanced", 2)]
    [InlineData("2", 2)]
    [InlineData(" 3 ", 3)]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    public void Resolve_Header_ChoosesK(string? mode, int expected)
    {
        Assert.Equal(expected, OperatingPoint.Resolve(Contracts.Mimo(), defaultSize: 2, requested: 0, mode));
    }

    [Fact]
    public void Resolve_RequestFieldAndHeader_FieldWins()
    {
        Assert.Equal(1, OperatingPoint.Resolve(Contracts.Mimo(), 3, requested: 1, "accuracy"));
    }

    [Fact]
    public void Resolve_BalancedWithTwoSizes_TakesTheLowerMiddle()
    {
        var contract = Contracts.Mimo(m =>
        {
            m["mimmo.ensemble_sizes"] = "[1, 3]";
            m["mimmo.replication"] = "{\"1\": [[0], [1], [2]], \"3\": [[0, 1, 2]]}";
        });

        Assert.Equal(1, OperatingPoint.Resolve(contract, 3, 0, "balanced"));
    }

    [Theory]
    [InlineData(4u, null, "ensemble_size 4")]
    [InlineData(0u, "4", "x-mimmo-mode '4'")]
    [InlineData(0u, "fast", "x-mimmo-mode 'fast'")]
    [InlineData(0u, "-1", "x-mimmo-mode '-1'")]
    [InlineData(0u, "0", "x-mimmo-mode '0'")]
    public void Resolve_Unsupported_InvalidArgumentNamingTheSupportedSizes(uint requested, string? mode, string source)
    {
        var error = Assert.Throws<ServingException>(() => OperatingPoint.Resolve(Contracts.Mimo(), 3, requested, mode));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(source, error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 2, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SizeBetweenSupportedOnes_InvalidArgument()
    {
        var contract = Contracts.Mimo(m =>
        {
            m["mimmo.ensemble_sizes"] = "[1, 3]";
            m["mimmo.replication"] = "{\"1\": [[0], [1], [2]], \"3\": [[0, 1, 2]]}";
        });

        var error = Assert.Throws<ServingException>(() => OperatingPoint.Resolve(contract, 3, 0, "2"));

        Assert.Contains("[1, 3]", error.Message, StringComparison.Ordinal);
    }
}
