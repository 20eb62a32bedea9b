using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>PredictStream: ids pair responses with requests, order follows completion, a bad request ends the stream, in-flight is bounded.</summary>
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
    public async Task PredictStream_BadRequestAfterGoodOnes_GoodOnesAnsweredThenInvalidArgumentNamingIt()
    {
        await using var slow = await SlowServer.StartAsync();
        using var call = slow.Server.PredictStream();
        var random = new Random(3);
        var items = Enumerable.Range(0, 6).Select(_ => Requests.RandomItem(random)).ToArray();
        for (var i = 0; i < items.Length; i++)
        {
            await call.RequestStream.WriteAsync(Requests.Mimo(items[i], $"good-{i}", ensembleSize: (uint)(1 + (i % 3)), model: "fast"));
        }

        var bad = Requests.Mimo([1, 2, float.NaN, 4], "bad-one", model: "fast");
        await call.RequestStream.WriteAsync(bad);

        var answered = new List<PredictResponse>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                answered.Add(call.ResponseStream.Current);
            }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("request 'bad-one'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("not finite", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(items.Length, answered.Count);
        foreach (var response in answered)
        {
            var i = int.Parse(response.Id["good-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Expectations.AssertServed(response, items[i], response.Id, (uint)(1 + (i % 3)), "fast");
        }
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
