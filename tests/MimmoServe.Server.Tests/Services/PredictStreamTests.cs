using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// PredictStream: ids pair responses with requests, order follows completion, a bad request gets an error response and the
/// stream goes on, a batched message gets one response with its items, in-flight is bounded.
/// </summary>
public sealed class PredictStreamTests
{
    [Fact]
    public async Task PredictStream_SlowModelThenFastModel_FastAnsweredFirstPairedById()
    {
        await using var slow = await SlowServer.StartAsync();
        using var call = slow.Server.PredictStream();

        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "to-slow", ensembleSize: 1, model: "slow"));
        slow.WaitForQueue(1);
        await call.RequestStream.WriteAsync(Requests.Mimo([4, 3, 2, 1], "to-fast", model: "fast"));
        Assert.True(await call.ResponseStream.MoveNext());
        var first = call.ResponseStream.Current;
        // The slow request runs when the row fills.
        await slow.Server.PredictAsync(Requests.Mimo([0, 0, 0, 1], "filler-1", ensembleSize: 2, model: "slow"));
        Assert.True(await call.ResponseStream.MoveNext());
        var second = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();

        Assert.Equal("to-fast", first.Id);
        Assert.Equal("fast", first.Model);
        Assert.Equal("to-slow", second.Id);
        Expectations.AssertServed(second, [1, 2, 3, 4], "to-slow", 1, "slow");
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task PredictStream_RegressionModel_SingleAndBatchedMessagesAnsweredInTheirRegressionFields()
    {
        using var models = new TestModels().Add("regression", TestModels.Fixture("mimo_regression.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory);
        using var call = server.PredictStream();
        float[] x = [0.7f, -1.3f, 0.9f, 2.2f];
        var batched = new PredictRequest { Model = "regression", Id = "two", EnsembleSize = 3 };
        batched.Shape.Add([2, 4]);
        batched.Data.AddRange([.. x, .. x]);

        await call.RequestStream.WriteAsync(Requests.Mimo(x, "one", ensembleSize: 3, model: "regression"));
        await call.RequestStream.WriteAsync(batched);
        await call.RequestStream.CompleteAsync();
        var answers = new Dictionary<string, PredictResponse>();
        while (await call.ResponseStream.MoveNext())
        {
            answers[call.ResponseStream.Current.Id] = call.ResponseStream.Current;
        }

        // k = M: every slot holds the item, so the answer is the fixture's over all three slots.
        var expected = Serving.Tests.MimoRegressionFixture.Serve(x, [0, 1, 2]);
        foreach (var regression in new[] { answers["one"].Regression, answers["two"].Items[0].Regression, answers["two"].Items[1].Regression })
        {
            Assert.Equal(Serving.Tests.MimoRegressionFixture.Names, regression.Targets.Select(t => t.Name));
            Assert.Equal(expected.Select(e => e.Mean), regression.Targets.Select(t => (double)t.Mean), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(expected.Select(e => e.Epistemic + e.Aleatoric), regression.Targets.Select(t => (double)t.Variance), (a, b) => Math.Abs(a - b) < 1e-5);
        }

        Assert.Empty(answers["one"].Probabilities);
        Assert.Null(answers["one"].Error);
    }

    [Fact]
    public async Task PredictStream_BadRequestAmongGoodOnes_ErrorResponseNamingItAndTheStreamGoesOn()
    {
        await using var slow = await SlowServer.StartAsync();
        using var call = slow.Server.PredictStream();
        var random = new Random(3);
        var items = Enumerable.Range(0, 6).Select(_ => Requests.RandomItem(random)).ToArray();
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(Requests.Mimo(items[i], $"good-{i}", ensembleSize: (uint)(1 + (i % 3)), model: "fast"));
        }

        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, float.NaN, 4], "bad-one", model: "fast"));
        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "unknown-model", model: "nope"));
        for (var i = 3; i < items.Length; i++)
        {
            await call.RequestStream.WriteAsync(Requests.Mimo(items[i], $"good-{i}", ensembleSize: (uint)(1 + (i % 3)), model: "fast"));
        }

        await call.RequestStream.CompleteAsync();
        var answered = new List<PredictResponse>();
        while (await call.ResponseStream.MoveNext())
        {
            answered.Add(call.ResponseStream.Current);
        }

        Assert.Equal(items.Length + 2, answered.Count);
        var bad = Assert.Single(answered, r => r.Id == "bad-one");
        Assert.Equal((uint)StatusCode.InvalidArgument, bad.Error.Code);
        Assert.Contains("value NaN at index 2 is not finite", bad.Error.Message, StringComparison.Ordinal);
        Assert.Equal("fast", bad.Model);
        Assert.Empty(bad.Probabilities);
        var unknown = Assert.Single(answered, r => r.Id == "unknown-model");
        Assert.Equal((uint)StatusCode.NotFound, unknown.Error.Code);
        Assert.Equal("", unknown.Model);
        foreach (var response in answered.Where(r => r.Id.StartsWith("good-", StringComparison.Ordinal)))
        {
            var i = int.Parse(response.Id["good-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Null(response.Error);
            Expectations.AssertServed(response, items[i], response.Id, (uint)(1 + (i % 3)), "fast");
        }
    }

    [Fact]
    public async Task PredictStream_BatchedMessages_OneResponseEachWithItsItemsInOrder()
    {
        await using var slow = await SlowServer.StartAsync();
        using var call = slow.Server.PredictStream();
        var random = new Random(5);
        var batches = Enumerable.Range(0, 4).Select(b => Enumerable.Range(0, 2 + b).Select(_ => Requests.RandomItem(random)).ToArray()).ToArray();
        for (var b = 0; b < batches.Length; b++)
        {
            await call.RequestStream.WriteAsync(Requests.MimoBatch(batches[b], $"batch-{b}", ensembleSize: (uint)(1 + (b % 3)), model: "fast"));
        }

        await call.RequestStream.CompleteAsync();
        var answered = new List<PredictResponse>();
        while (await call.ResponseStream.MoveNext())
        {
            answered.Add(call.ResponseStream.Current);
        }

        Assert.Equal(batches.Length, answered.Count);
        foreach (var response in answered)
        {
            var b = int.Parse(response.Id["batch-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Expectations.AssertNoTopLevelPrediction(response);
            Assert.Equal(batches[b].Length, response.Items.Count);
            for (var i = 0; i < batches[b].Length; i++)
            {
                Expectations.AssertServed(response.Items[i], batches[b][i], (uint)(1 + (b % 3)), "fast");
            }
        }
    }

    [Fact]
    public async Task PredictStream_BatchedMessageWithABadItem_ErrorNamingTheItemAndNothingQueued()
    {
        await using var slow = await SlowServer.StartAsync(rows: 4);
        using var call = slow.Server.PredictStream();
        var items = new[] { new float[] { 1, 2, 3, 4 }, [1, 2, float.NaN, 4] };

        await call.RequestStream.WriteAsync(Requests.MimoBatch(items, "bad-batch", ensembleSize: 1, model: "slow"));
        Assert.True(await call.ResponseStream.MoveNext());
        var response = call.ResponseStream.Current;

        Assert.Equal("bad-batch", response.Id);
        Assert.Equal((uint)StatusCode.InvalidArgument, response.Error.Code);
        Assert.StartsWith("item 1: value NaN at index 2", response.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, slow.Model.QueueLength);
        // The stream is still open: the next message is answered.
        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "after", model: "fast"));
        Assert.True(await call.ResponseStream.MoveNext());
        Expectations.AssertServed(call.ResponseStream.Current, [1, 2, 3, 4], "after", 3, "fast");
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task PredictStream_MoreRequestsThanTheInFlightBound_LaterOnesNotReadUntilEarlierOnesAnswered()
    {
        await using var slow = await SlowServer.StartAsync(settings: new Dictionary<string, string?> { ["Mimmo:MaxStreamInFlight"] = "2" });
        using var call = slow.Server.PredictStream();
        // A row of "slow" is 3 slots and runs only when full. The stream may hand over two requests; a third is not read.
        foreach (var id in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, id[0]], id, ensembleSize: 1, model: "slow"));
        }

        slow.WaitForQueue(2);
        var filler = await slow.Server.PredictAsync(Requests.Mimo([0, 0, 0, 1], "d", ensembleSize: 1, model: "slow"));
        Assert.Equal(3u, filler.Timing.BatchRequests);
        var first = new HashSet<string>();
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext());
            first.Add(call.ResponseStream.Current.Id);
        }

        Assert.Equal(["a", "b"], first.Order());
        // Now "c" is read: it waits for a row of its own.
        slow.WaitForQueue(1);
        await Task.WhenAll(
            slow.Server.PredictAsync(Requests.Mimo([0, 0, 1, 0], "e", ensembleSize: 1, model: "slow")),
            slow.Server.PredictAsync(Requests.Mimo([0, 1, 0, 0], "f", ensembleSize: 1, model: "slow")));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("c", call.ResponseStream.Current.Id);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }
}
