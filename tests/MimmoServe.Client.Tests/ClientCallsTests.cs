using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Client.Tests;

/// <summary>The four calls against one real server of the mimo fixture (M=3, sizes 1..3, K=4), the operating point header, and hedging.</summary>
public sealed class ClientCallsTests
{
    [Fact]
    public async Task PredictAsync_EachMode_ServerUsesItsEnsembleSize()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var accuracy = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), OperatingPoint.Accuracy);
        var throughput = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), OperatingPoint.Throughput);
        var two = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), OperatingPoint.Size(2));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), OperatingPoint.Size(5)));

        Assert.Equal(3u, accuracy.EnsembleSize);
        Assert.Equal(1u, throughput.EnsembleSize);
        Assert.Equal(2u, two.EnsembleSize);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal(4, accuracy.Probabilities.Count);
    }

    [Fact]
    public async Task GetModelAndListModels_MimoServer_DescribeTheFixture()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var info = await client.GetModelAsync("mimo");
        var all = await client.ListModelsAsync();
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.GetModelAsync("nope"));

        Assert.Equal((3u, 2u, 4u), (info.Slots, info.Exits, info.NumClasses));
        Assert.Equal([1u, 2u, 3u], info.EnsembleSizes);
        Assert.Equal("mimo", Assert.Single(all).Name);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, await client.CheckHealthAsync());
    }

    [Fact]
    public async Task PredictStreamAsync_TwentyRequests_EveryIdAnsweredOnce()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var ids = new List<string>();
        await foreach (var reply in client.PredictStreamAsync(Generate(20), OperatingPoint.Throughput))
        {
            Assert.True(reply.Succeeded);
            Assert.Equal(1u, reply.Response.EnsembleSize);
            ids.Add(reply.Id);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s{i}").Order(), ids.Order());
    }

    [Fact]
    public async Task PredictStreamAsync_BadRequestAmongGoodOnes_ItsResultIsAnErrorAndTheOthersAreAnswered()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var results = new Dictionary<string, StreamResult>();
        await foreach (var result in client.PredictStreamAsync(WithBadOne()))
        {
            results.Add(result.Id, result);
        }

        Assert.Equal(["a", "bad", "c"], results.Keys.Order());
        Assert.True(results["a"].Succeeded && results["c"].Succeeded);
        var bad = results["bad"];
        Assert.False(bad.Succeeded);
        Assert.Equal(StatusCode.InvalidArgument, bad.Error!.Value.StatusCode);
        Assert.Contains("not finite", bad.Error.Value.Detail, StringComparison.Ordinal);
        var thrown = Assert.Throws<RpcException>(() => bad.GetResponseOrThrow());
        Assert.StartsWith("request 'bad':", thrown.Status.Detail, StringComparison.Ordinal);
        Assert.Same(results["a"].Response, results["a"].GetResponseOrThrow());
    }

    [Fact]
    public async Task PredictStreamAsync_NoDeadline_OutlivesTheUnaryDefaultTimeout()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        // A unary call would end after 300 ms; the stream waits 1 s between requests and must still be open.
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target], o => o.DefaultTimeout = TimeSpan.FromMilliseconds(300));

        var ids = new List<string>();
        await foreach (var result in client.PredictStreamAsync(Slowly()))
        {
            ids.Add(result.GetResponseOrThrow().Id);
        }

        Assert.Equal(["first", "second"], ids.Order());
    }

    [Fact]
    public async Task PredictBatchAsync_FiveItems_FiveResultsInOrder()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);
        var items = Enumerable.Range(0, 5).Select(i => new float[] { i, -i, 2, 0.5f }).ToArray();
        var template = Requests.Mimo([], "batch");

        var results = await client.PredictBatchAsync(template, items, OperatingPoint.Size(2));

        Assert.Equal(5, results.Count);
        for (var i = 0; i < items.Length; i++)
        {
            var single = await client.PredictAsync(Requests.Mimo(items[i]), OperatingPoint.Size(2));
            Assert.Equal(2u, results[i].EnsembleSize);
            Assert.Equal(single.ClassIndex, results[i].ClassIndex);
            Assert.Equal(single.Confidence, results[i].Confidence, 1e-6);
        }

        Assert.Empty(template.Data);
        Assert.Equal([4L], template.Shape);
    }

    [Fact]
    public async Task PredictBatchAsync_BadItem_InvalidArgumentNamingIt()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.PredictBatchAsync(Requests.Mimo([]), [[1, 2, 3, 4], [1, float.NaN, 3, 4]]));
        var wrongLength = await Assert.ThrowsAsync<ArgumentException>(() => client.PredictBatchAsync(Requests.Mimo([]), [[1, 2, 3, 4], [1, 2, 3]]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("item 1:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Item 1 has 3 values; the shape [4] needs 4", wrongLength.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictBatchAsync_ByteItemsToAModelWithAnInputScale_TheAnswersOfTheirValuesAsFloats()
    {
        // The fixture with config.json saying what a byte means: b -> -8 + 0.0625 b, in [-8, 8].
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"), new { input_scale = 0.0625, input_offset = -8, input_range = new[] { -8.0, 8.0 } });
        await using var server = await TestServer.StartAsync(models.Directory);
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);
        byte[][] items = [[0, 64, 128, 255], [200, 3, 77, 128]];

        var info = await client.GetModelAsync("mimo");
        var fromBytes = await client.PredictBatchAsync(Requests.Mimo([]), items, OperatingPoint.Accuracy);
        var fromFloats = await client.PredictBatchAsync(Requests.Mimo([]), items.Select(i => i.Select(b => -8 + (0.0625f * b)).ToArray()).ToArray(), OperatingPoint.Accuracy);
        var outside = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([0, 0, 8.5f, 0])));

        Assert.Equal((0.0625f, -8f), (info.InputScale, info.InputOffset));
        Assert.Equal([-8f, 8f], info.InputRange);
        Assert.Equal(fromFloats.Select(r => r.Probabilities), fromBytes.Select(r => r.Probabilities));
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
        Assert.Contains("value 8.5 at index 2 is outside the model's input range [-8, 8]", outside.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchRequest_ByteItems_RawUint8InOrderAndTheTemplateUnchanged()
    {
        var template = Requests.Mimo([1, 2, 3, 4], "bytes");

        var batch = MimmoClient.BatchRequest(template, new byte[][] { [1, 2, 3, 4], [5, 6, 7, 8] });

        Assert.Equal([2L, 4], batch.Shape);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, batch.RawUint8.ToByteArray());
        Assert.Empty(batch.Data);
        Assert.True(batch.RawData.IsEmpty);
        Assert.Equal("bytes", batch.Id);
        Assert.Equal([1f, 2, 3, 4], template.Data);
        Assert.Throws<ArgumentException>(() => MimmoClient.BatchRequest(template, new byte[][] { [1, 2, 3] }));
    }

    private static async IAsyncEnumerable<MimmoServe.Protocol.V1.PredictRequest> WithBadOne()
    {
        yield return Requests.Mimo([1, 2, 3, 4], "a");
        yield return Requests.Mimo([1, float.NaN, 3, 4], "bad");
        yield return Requests.Mimo([4, 3, 2, 1], "c");
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<MimmoServe.Protocol.V1.PredictRequest> Slowly()
    {
        yield return Requests.Mimo([1, 2, 3, 4], "first");
        // The pause is the point of the test (a stream idle for longer than the unary timeout), not a wait for a condition.
        await Task.Delay(TimeSpan.FromSeconds(1));
        yield return Requests.Mimo([4, 3, 2, 1], "second");
    }

    [Fact]
    public async Task PredictAsync_HedgingAndFirstServerStalls_TheOtherServerAnswers()
    {
        // "stalled" waits a minute to fill a run on the first server, and answers at once on the second.
        await using var slow = await SlowServer.StartAsync();
        var models = new TestModels().Add("slow", TestModels.Fixture("mimo.onnx"));
        using var _m = models;
        await using var fast = await TestServer.StartAsync(models.Directory);
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [slow.Server.Target, fast.Target], o =>
        {
            o.EnableHedging = true;
            o.HedgingDelay = TimeSpan.FromMilliseconds(50);
        });

        var reply = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4], "hedged", ensembleSize: 1, model: "slow")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("hedged", reply.Id);
        Assert.Equal(1, ClientHarness.Count(logs, "Hedging attempt"));
    }

    [Fact]
    public async Task PredictAsync_AttemptTimeoutOnAStalledServer_RetriedOnTheOther()
    {
        await using var slow = await SlowServer.StartAsync();
        var models = new TestModels().Add("slow", TestModels.Fixture("mimo.onnx"));
        using var _m = models;
        await using var fast = await TestServer.StartAsync(models.Directory);
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [slow.Server.Target, fast.Target], o => o.AttemptTimeout = TimeSpan.FromMilliseconds(300));

        var reply = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4], "timed-out-once", ensembleSize: 1, model: "slow")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("timed-out-once", reply.Id);
        Assert.Equal(1, ClientHarness.Count(logs, "(TimeoutRejectedException)"));
        // The abandoned attempt was cancelled, so the stalled server dropped it from its queue.
        slow.Server.Logs.WaitFor("Client of /mimmo.v1.Inference/Predict cancelled");
    }

    private static async IAsyncEnumerable<PredictRequest> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return Requests.Mimo([1, 2, 3, i], $"s{i}", members: false);
        }
    }
}
