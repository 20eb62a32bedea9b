using MimmoServe.Protocol.V1;
using MimmoServe.Serving.Mapping;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Tests.Batching;

namespace MimmoServe.Serving.Tests.Mapping;

public sealed class ProtocolMappingTests
{
    [Fact]
    public async Task ToInputAndToResponse_RawDataRequestInBalancedMode_AnswerCarriesEveryField()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 1 }, time);
        float[] x = [0.7f, 0.1f, 0.45f, 0.2f];
        var request = new PredictRequest { Id = "req-1", RawData = ProtocolMapping.ToRawData(x), TopK = 2, ReturnMembers = true };
        request.Shape.Add(4);

        var task = model.Model.PredictAsync(ProtocolMapping.ToInput(request, "balanced"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        var response = ProtocolMapping.ToResponse(await task);

        // k = 2 takes the group [1, 2]; alone in its row, it also gets the free slot 0 as an extra copy.
        Assert.Equal(("req-1", "mimo", 2u, 3u), (response.Id, response.Model, response.EnsembleSize, response.Members));
        var expected = MimoFixture.Serve(x, [0, 1, 2]);
        Assert.Equal(expected.Class, response.ClassIndex);
        Assert.Equal(MimoFixture.Labels[expected.Class], response.Label);
        Assert.Equal(expected.P.Select(p => (float)p), response.Probabilities, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(2, response.Top.Count);
        Assert.Equal(expected.Class, response.Top[0].Index);
        Assert.Equal(expected.MutualInformation, response.Uncertainty.MutualInformation, 1e-5);
        Assert.Equal(expected.Agreement, response.Uncertainty.Agreement, 1e-5);
        Assert.Equal(6, response.MemberPredictions.Count);
        Assert.Equal([0u, 1u, 2u], response.MemberPredictions.Select(m => m.Slot).Distinct());
        Assert.Equal((1000ul, 1u, 1u), (response.Timing.QueueUs, response.Timing.BatchRows, response.Timing.BatchRequests));
        // Not staged: every exit combined, all of the compute.
        Assert.Equal((1u, 1f), (response.Exit, response.ComputeShare));
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task ToInputAndToResponse_StagedModelWithAThreshold_AnswerCarriesTheExitAndComputeShare()
    {
        var model = Staged.StagedTestModel.Start(new ModelConfig { MaxQueueDelayMs = 0 }, new ManualTimeProvider());
        float[] x = [0.2f, 0.9f, 0.3f, 0.1f];
        var request = new PredictRequest { Id = "staged", RawData = ProtocolMapping.ToRawData(x) };
        request.Shape.Add(4);
        var exit = JeiFixture.ThresholdExit(x, 0.4);

        var response = ProtocolMapping.ToResponse(await model.Model.PredictAsync(ProtocolMapping.ToInput(request, "accuracy", " 0.4 ")));

        Assert.Equal(1, exit);
        Assert.Equal((1u, 3u), (response.Exit, response.Members));
        Assert.Equal(JeiFixture.ComputeShare(exit), response.ComputeShare, 1e-6);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public async Task ToResponse_BatchedRequest_ItemsInOrderWithEveryFieldAndTheTopLevelUnset()
    {
        var time = new ManualTimeProvider();
        var model = TestModel.Start(new ModelConfig { MaxQueueDelayMs = 1 }, time);
        float[][] items = [[0.7f, 0.1f, 0.45f, 0.2f], [0.1f, 0.9f, 0.2f, 0.4f]];
        var request = new PredictRequest
        {
            Id = "batch", RawData = ProtocolMapping.ToRawData([.. items[0], .. items[1]]), EnsembleSize = 3, ReturnMembers = true,
        };
        request.Shape.Add([2, 4]);

        var input = ProtocolMapping.ToInput(request, null);
        Assert.True(model.Model.IsBatched(input));
        var task = model.Model.PredictBatchAsync(input);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var response = ProtocolMapping.ToResponse(request.Id, model.Model.Name, await task);

        Assert.Equal(("batch", "mimo"), (response.Id, response.Model));
        Assert.Empty(response.Probabilities);
        Assert.Null(response.Uncertainty);
        Assert.Equal(2, response.Items.Count);
        for (var i = 0; i < items.Length; i++)
        {
            var expected = MimoFixture.Serve(items[i], [0, 1, 2]);
            var item = response.Items[i];
            Assert.Equal((3u, 3u), (item.EnsembleSize, item.Members));
            Assert.Equal(expected.Class, item.ClassIndex);
            Assert.Equal(expected.P.Select(p => (float)p), item.Probabilities, (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(expected.MutualInformation, item.Uncertainty.MutualInformation, 1e-5);
            Assert.Equal(6, item.MemberPredictions.Count);
            Assert.Equal((2u, 2u), (item.Timing.BatchRows, item.Timing.BatchRequests));
            Assert.Equal((1u, 1f), (item.Exit, item.ComputeShare));
        }

        Assert.Equal(256u, ProtocolMapping.ToModelInfo(model.Model).MaxItemsPerRequest);
        await model.Batcher.StopAsync();
    }

    [Fact]
    public void ToModelInfo_StagedFixture_CarriesTheStageCostsAndTheDefaultPolicy()
    {
        var model = Staged.StagedTestModel.Start(new ModelConfig { ExitPolicy = MimmoServe.Serving.Requests.ExitPolicy.Full }, new ManualTimeProvider());

        var info = ProtocolMapping.ToModelInfo(model.Model);

        Assert.Equal(("jeidnn", 3u), (info.Family, info.Exits));
        Assert.Equal(JeiFixture.Costs.Select(c => (float)c), info.StageCosts);
        Assert.Equal("full", info.DefaultExitPolicy);
        _ = model.Batcher.StopAsync();
    }

    [Fact]
    public void ToModelInfo_MimoFixture_DescribesTheModel()
    {
        var model = TestModel.Start(new ModelConfig { DefaultEnsembleSize = 2 }, new ManualTimeProvider());

        var info = ProtocolMapping.ToModelInfo(model.Model);

        Assert.Equal(("mimo", "mimmo", 3u, 2u, 4u), (info.Name, info.Family, info.Slots, info.Exits, info.NumClasses));
        Assert.Equal([4L], info.ItemShape);
        Assert.Equal(MimoFixture.Labels, info.Labels);
        Assert.Equal([1u, 2u, 3u], info.EnsembleSizes);
        Assert.Equal(2u, info.DefaultEnsembleSize);
        Assert.Equal([[0.25f, 0.5f, 0.4f], [0.75f, 0.5f, 0.6f]], info.ExitWeights.Select(r => r.Weights.ToArray()));
        Assert.Equal("cpu", info.ExecutionProvider);
        Assert.Equal(12, info.Metadata.Count);
        Assert.Equal("[1, 2, 3]", info.Metadata["mimmo.ensemble_sizes"]);
        Assert.Empty(info.StageCosts);
        Assert.Equal("full", info.DefaultExitPolicy);
        _ = model.Batcher.StopAsync();
    }
}
