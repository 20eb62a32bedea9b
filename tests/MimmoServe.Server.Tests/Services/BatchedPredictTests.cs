using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// A Predict with shape [N, *item]: N results in order, each item served on its own with the request's k; a bad item
/// refuses the call before anything is queued and names the item; the limit on items; the queue admits all items or none;
/// the deadline and cancellation cover every item.
/// </summary>
[Collection(MimoServerCollection.Name)]
public sealed class BatchedPredictTests
{
    private readonly TestServer _server;

    public BatchedPredictTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public async Task Predict_SevenItems_OneResultPerItemInOrderEachServedOnItsOwn(uint k)
    {
        var random = new Random((int)k);
        var items = Enumerable.Range(0, 7).Select(_ => Requests.RandomItem(random)).ToArray();

        var response = await _server.PredictAsync(Requests.MimoBatch(items, "batch", k));

        Assert.Equal("batch", response.Id);
        Assert.Equal("mimo", response.Model);
        Expectations.AssertNoTopLevelPrediction(response);
        Assert.Equal(items.Length, response.Items.Count);
        for (var i = 0; i < items.Length; i++)
        {
            Expectations.AssertServed(response.Items[i], items[i], k);
            Assert.NotNull(response.Items[i].Timing);
        }
    }

    [Fact]
    public async Task Predict_BatchOfOne_ItsResultInItemsAndTheSameAsTheUnbatchedCall()
    {
        float[] x = [0.5f, -1, 2, 0.25f];

        var batched = await _server.PredictAsync(Requests.MimoBatch([x], "one", 3));
        var single = await _server.PredictAsync(Requests.Mimo(x, "one", 3));

        Expectations.AssertNoTopLevelPrediction(batched);
        Assert.Single(batched.Items);
        Assert.Empty(single.Items);
        Assert.Equal(single.Probabilities, batched.Items[0].Probabilities);
        Assert.Equal(single.ClassIndex, batched.Items[0].ClassIndex);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Predict_BadValueInItemTwo_InvalidArgumentNamingTheItemAndIndex(bool raw)
    {
        var items = new[] { new float[] { 1, 2, 3, 4 }, [1, 2, 3, 4], [1, 2, float.PositiveInfinity, 4], [1, 2, 3, 4] };
        var request = Requests.MimoBatch(items, "bad");
        if (raw)
        {
            request.RawData = Serving.Mapping.ProtocolMapping.ToRawData(request.Data.ToArray());
            request.Data.Clear();
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("item 2: value", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("at index 2 is not finite", error.Status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<long[], int, string> BadBatchShapes => new()
    {
        { [3, 4], 8, "data has 8 elements; the shape [3, 4] needs 12 (3 items of 4)" },
        { [0, 4], 0, "the batch dimension N is 0" },
        { [2, 5], 10, "shape [2, 5] does not match the model's item shape [4] (one item) or [N, 4] (N items)" },
        { [1, 2, 4], 8, "shape [1, 2, 4] does not match" },
    };

    [Theory]
    [MemberData(nameof(BadBatchShapes))]
    public async Task Predict_BadBatchShape_InvalidArgumentSayingWhatToFix(long[] shape, int values, string expected)
    {
        var request = new PredictRequest { Model = "mimo" };
        request.Shape.Add(shape);
        request.Data.Add(new float[values]);

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_MoreItemsThanMaxItemsPerRequest_InvalidArgumentNamingTheLimit()
    {
        var info = await _server.GetModelAsync("mimo");
        Assert.Equal(256u, info.MaxItemsPerRequest);
        var items = Enumerable.Range(0, 257).Select(i => new float[] { i, 0, 0, 1 }).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(Requests.MimoBatch(items)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("carries 257 items; the model takes at most 256 per request (max_items_per_request)", error.Status.Detail, StringComparison.Ordinal);
        // 256 is fine.
        Assert.Equal(256, (await _server.PredictAsync(Requests.MimoBatch(items[..256], ensembleSize: 1))).Items.Count);
    }
}
