using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Client.Tests.Staged;

/// <summary>
/// The x-mimmo-exit header through a real server: the bundled staged model (fashion-jeidnn) answers each policy at the
/// exit its reference says, and a model that is not staged accepts only <c>full</c>. k = M (accuracy), so each
/// request's row holds only its image: the reference's "same" layout.
/// </summary>
public sealed class ExitPolicyTests
{
    private const int Images = 48;

    [Fact]
    public async Task PredictAsync_EachExitPolicy_AnswersAtTheReferenceExitWithItsComputeShare()
    {
        var reference = StagedReference.Load();
        using var models = reference.AddTo(new TestModels());
        await using var server = await TestServer.StartAsync(models.Directory);
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);
        var costs = (await client.GetModelAsync(StagedReference.ModelName)).StageCosts.ToArray();
        Assert.Equal(reference.Exits, costs.Length);

        for (var i = 0; i < Images; i++)
        {
            var full = await client.PredictAsync(reference.Request(i), OperatingPoint.Accuracy, ExitPolicy.Full);
            var auto = await client.PredictAsync(reference.Request(i), OperatingPoint.Accuracy, ExitPolicy.Auto);
            var threshold = await client.PredictAsync(reference.Request(i), OperatingPoint.Accuracy, ExitPolicy.Threshold(0.9));

            AssertAnswer(reference, costs, i, reference.Exits - 1, full);
            AssertAnswer(reference, costs, i, reference.AutoExits[i], auto);
            if (reference.ThresholdExit(i, 0.9) is { } exit)
            {
                AssertAnswer(reference, costs, i, exit, threshold);
            }
        }
    }

    [Fact]
    public async Task PredictStreamAsync_Threshold_EveryAnswerAtItsReferenceExit()
    {
        var reference = StagedReference.Load();
        using var models = reference.AddTo(new TestModels());
        await using var server = await TestServer.StartAsync(models.Directory);
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var exits = new Dictionary<int, uint>();
        await foreach (var reply in client.PredictStreamAsync(Generate(reference, Images), OperatingPoint.Accuracy, ExitPolicy.Threshold(0.9)))
        {
            exits.Add(int.Parse(reply.Id, System.Globalization.CultureInfo.InvariantCulture), reply.GetResponseOrThrow().Exit);
        }

        // Not the model's default policy (auto), so the answers show that the stream carried the header.
        var expected = Enumerable.Range(0, Images).Select(i => (Image: i, Exit: reference.ThresholdExit(i, 0.9))).Where(p => p.Exit is not null).ToList();
        Assert.True(expected.Count > Images / 2);
        Assert.Equal(Images, exits.Count);
        Assert.All(expected, p => Assert.True(exits[p.Image] == (uint)p.Exit!.Value, $"image {p.Image}: exit {exits[p.Image]}, the reference's {p.Exit}"));
    }

    [Fact]
    public async Task PredictAsync_ModelThatIsNotStaged_FullAnsweredAndEarlyExitInvalid()
    {
        var (server, models) = await ClientHarness.MimoServerAsync();
        await using var _s = server;
        using var _m = models;
        using var client = ClientHarness.Client(new CapturedLogs(), [server.Target]);

        var full = await client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), OperatingPoint.Accuracy, ExitPolicy.Full);
        var auto = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), default, ExitPolicy.Auto));
        var threshold = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([1, 2, 3, 4]), default, ExitPolicy.Threshold(0.5)));

        // Not staged: every exit is combined (the fixture has E = 2) and the whole network ran.
        Assert.Equal((1u, 1f), (full.Exit, full.ComputeShare));
        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (auto.StatusCode, threshold.StatusCode));
        Assert.Contains(Protocol.ExitHeader.Full, auto.Status.Detail, StringComparison.Ordinal);
    }

    private static void AssertAnswer(StagedReference reference, float[] costs, int image, int exit, PredictResponse reply)
    {
        Assert.True(exit == (int)reply.Exit, $"image {image}: exit {reply.Exit}, the reference's {exit}");
        Assert.Equal(costs.Take(exit + 1).Sum(), reply.ComputeShare, 5);
        var expected = reference.Probabilities(image, exit);
        for (var c = 0; c < reference.Classes; c++)
        {
            Assert.Equal(expected[c], reply.Probabilities[c], 4);
        }
    }

    private static async IAsyncEnumerable<PredictRequest> Generate(StagedReference reference, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return reference.Request(i);
        }
    }
}
