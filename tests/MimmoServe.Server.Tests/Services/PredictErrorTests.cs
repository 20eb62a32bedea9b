using Google.Protobuf;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>Every bad input is refused with the right status and a message that says what to fix, and never affects good requests.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class PredictErrorTests
{
    private readonly TestServer _server;

    public PredictErrorTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    public static TheoryData<string, string> BadItems => new()
    {
        { "wrong shape", "shape [2, 2] does not match the model's item shape [4]" },
        { "too few elements", "data has 3 elements; the item shape [4] needs 4" },
        { "raw too short", "raw_data has 3 elements; the item shape [4] needs 4" },
        { "raw not float32", "not a multiple of 4" },
        { "both", "Both data and raw_data are set" },
        { "neither", "None of data, raw_data and raw_uint8 is set" },
        { "nan", "value NaN at index 2 is not finite" },
        { "infinity", "at index 1 is not finite" },
    };

    [Theory]
    [MemberData(nameof(BadItems))]
    public async Task Predict_BadItem_InvalidArgumentSayingWhatToFix(string bad, string expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(Bad(bad)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_UnknownModel_NotFoundNamingServedModels()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(Requests.Mimo([1, 2, 3, 4], model: "nope")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("nope", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("mimo", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4u, null)]
    [InlineData(0u, "7")]
    public async Task Predict_UnsupportedEnsembleSize_InvalidArgumentNamingSupportedSizes(uint ensembleSize, string? mode)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(Requests.Mimo([1, 2, 3, 4], ensembleSize: ensembleSize), mode));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("[1, 2, 3]", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_BadModeHeader_InvalidArgumentNamingModesAndSizes()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(Requests.Mimo([1, 2, 3, 4]), "fastest"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("x-mimmo-mode 'fastest'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("accuracy", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("[1, 2, 3]", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accuracy", 0u, 3u)]
    [InlineData("throughput", 0u, 1u)]
    [InlineData("balanced", 0u, 2u)]
    [InlineData("2", 0u, 2u)]
    [InlineData(null, 0u, 3u)]
    [InlineData("accuracy", 1u, 1u)]
    public async Task Predict_ModeHeaderAndField_FieldWinsThenHeaderThenDefault(string? mode, uint field, uint expected)
    {
        var response = await _server.PredictAsync(Requests.Mimo([0.5f, -1, 2, 0], ensembleSize: field), mode);

        Assert.Equal(expected, response.EnsembleSize);
    }

    [Fact]
    public async Task Predict_BadRequestAmongGoodOnes_GoodOnesServedExactly()
    {
        var random = new Random(5);
        var items = Enumerable.Range(0, 24).Select(_ => Requests.RandomItem(random)).ToArray();
        var good = items.Select((x, i) => _server.PredictAsync(Requests.Mimo(x, $"good-{i}", ensembleSize: (uint)(1 + (i % 3))))).ToArray();
        var bad = Enumerable.Range(0, 8).Select(i => _server.PredictAsync(Bad(i % 2 == 0 ? "nan" : "wrong shape"))).ToArray();

        foreach (var task in bad)
        {
            Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => task)).StatusCode);
        }

        for (var i = 0; i < items.Length; i++)
        {
            Expectations.AssertServed(await good[i], items[i], $"good-{i}", (uint)(1 + (i % 3)));
        }
    }

    private static PredictRequest Bad(string kind)
    {
        var request = new PredictRequest { Model = "mimo", Id = kind };
        switch (kind)
        {
            case "wrong shape":
                request.Shape.Add([2, 2]);
                request.Data.Add([1, 2, 3, 4]);
                break;
            case "too few elements":
                request.Shape.Add(4);
                request.Data.Add([1, 2, 3]);
                break;
            case "raw too short":
                request.Shape.Add(4);
                request.RawData = ByteString.CopyFrom(new byte[12]);
                break;
            case "raw not float32":
                request.Shape.Add(4);
                request.RawData = ByteString.CopyFrom(new byte[15]);
                break;
            case "both":
                request.Shape.Add(4);
                request.Data.Add([1, 2, 3, 4]);
                request.RawData = ByteString.CopyFrom(new byte[16]);
                break;
            case "neither":
                request.Shape.Add(4);
                break;
            case "nan":
                request.Shape.Add(4);
                request.Data.Add([1, 2, float.NaN, 4]);
                break;
            case "infinity":
                request.Shape.Add(4);
                request.Data.Add([1, float.NegativeInfinity, 3, 4]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return request;
    }
}
