using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Batching;

public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData(8, 60)]
    [InlineData(32, 20)]
    public async Task PredictAsync_ConcurrentSubmittersWithMixedSizes_EachGetsItsOwnAnswer(int submitters, int perSubmitter)
    {
        var model = TestModel.Start(new ModelConfig { MaxRowsPerRun = 4, MaxQueueDelayMs = 0.5 }, TimeProvider.System);
        var answered = 0;

        async Task Submitter(int who)
        {
            var random = new Random(who);
            for (var round = 0; round < perSubmitter / 4; round++)
            {
                var inputs = Enumerable.Range(0, 4).Select(i => (
                    Id: $"{who}/{round}/{i}",
                    K: random.Next(1, 4),
                    X: Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble()).ToArray())).ToArray();
                var predictions = await Task.WhenAll(inputs.Select(input => model.Model.PredictAsync(TestModel.Input(input.Id, input.K, input.X))));
                for (var i = 0; i < inputs.Length; i++)
                {
                    Check(predictions[i], inputs[i].Id, inputs[i].K, inputs[i].X);
                    Interlocked.Increment(ref answered);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, submitters).Select(w => Task.Run(() => Submitter(w))));
        await model.Batcher.StopAsync();

        Assert.Equal(submitters * (perSubmitter / 4) * 4, answered);
        Assert.Equal(answered, model.Runner.RequestsRun);
        Assert.True(model.Runner.Runs < answered, $"{model.Runner.Runs} runs for {answered} requests: nothing was batched");
    }

    private static void Check(Prediction prediction, string id, int k, float[] x)
    {
        Assert.Equal(id, prediction.Id);
        Assert.Equal(k, prediction.EnsembleSize);
        var slots = Expect.Slots(prediction);
        int[] group = k switch { 1 => [], 2 => [1, 2], _ => [0, 1, 2] };
        Assert.Superset(group.ToHashSet(), slots.ToHashSet());
        Assert.True(slots.Length >= k);
        Expect.OwnMembers(prediction, x);
        Expect.Served(prediction, x, slots);
    }
}
