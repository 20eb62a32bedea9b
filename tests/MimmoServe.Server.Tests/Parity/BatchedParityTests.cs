using MimmoServe.Protocol.V1;
using MimmoServe.Serving.Mapping;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// Batched Predict calls ([N, 1, 28, 28]) against the PyTorch reference, for every bundled model: each item is
/// packed on its own, so a batched call answers what N single calls answer, in the order of the items.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class BatchedParityTests
{
    private const double Tolerance = 1e-4;

    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public BatchedParityTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Fact]
    public async Task Predict_AllReferenceImagesInOneCallPerKConcurrently_EachItemMatchesProbsSameInOrder()
    {
        var mismatches = new List<string>();
        var images = Enumerable.Range(0, _reference.Count).ToArray();
        foreach (var model in _reference.Models)
        {
            var info = await _server.GetModelAsync(model.Name);
            // k > M/2: a row holds one item whatever the batching, the reference's "same" layout. The calls of every
            // such k go at once, so that items of different k share the model's runs.
            var sizes = info.EnsembleSizes.Where(k => 2 * k > model.Slots).ToArray();
            var calls = sizes.Select(k => _server.PredictAsync(Batch(model.Name, images, k), exit: model.FullExit, deadline: TestServer.Deadline(120)))
                .ToArray();
            var responses = await Task.WhenAll(calls);
            for (var s = 0; s < sizes.Length; s++)
            {
                var response = responses[s];
                Assert.Equal(model.Name, response.Model);
                Assert.Equal(images.Length, response.Items.Count);
                for (var i = 0; i < images.Length; i++)
                {
                    Assert.Equal(sizes[s], response.Items[i].EnsembleSize);
                    Compare(mismatches, $"{model.Name} k={sizes[s]} item {i}", model.Same(images[i]), response.Items[i]);
                }
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task Predict_BatchedCall_SameAsSingleCallsOfItsItems()
    {
        var model = _reference.Models.OrderByDescending(m => m.Slots).ThenBy(m => m.Name, StringComparer.Ordinal).First();
        var k = (uint)model.Slots;
        int[] images = [5, 17, 0, 200, 42];

        var batched = await _server.PredictAsync(Batch(model.Name, images, k), exit: model.FullExit);

        for (var i = 0; i < images.Length; i++)
        {
            var single = await _server.PredictAsync(ParityTests.Request(_reference, model.Name, images[i], k), exit: model.FullExit);
            Assert.Equal(single.ClassIndex, batched.Items[i].ClassIndex);
            Assert.Equal(single.Members, batched.Items[i].Members);
            Assert.Equal(single.Probabilities.Count, batched.Items[i].Probabilities.Count);
            for (var c = 0; c < single.Probabilities.Count; c++)
            {
                Assert.Equal(single.Probabilities[c], batched.Items[i].Probabilities[c], 1e-6);
            }
        }
    }

    [Fact]
    public async Task Predict_KOneItemsOnOneRowRuns_ItemsShareRowsInOrderAsProbsShifted()
    {
        var mismatches = new List<string>();
        foreach (var model in _reference.Models.Where(m => m.Slots > 1))
        {
            // One request's items may share a row: on the rows1 copy (one row per run) its k = 1 items fill rows of M
            // consecutive items in order, the reference's "shifted" rows.
            var images = Enumerable.Range(0, 32 * model.Slots).ToArray();
            var request = Batch(model.Name + ParityFixture.RowsOneSuffix, images, 1);
            var response = await _server.PredictAsync(request, exit: model.FullExit, deadline: TestServer.Deadline(120));
            Assert.Equal(images.Length, response.Items.Count);
            for (var position = 0; position < images.Length; position++)
            {
                var item = response.Items[position];
                var slot = position % model.Slots;
                Assert.Equal(1u, item.Members);
                Assert.Equal((uint)slot, item.MemberPredictions[0].Slot);
                Compare(mismatches, $"{model.Name} k=1 item {position}", model.Shifted(position - slot, slot), item);
            }
        }

        Assert.Empty(mismatches);
    }

    private PredictRequest Batch(string model, int[] images, uint k)
    {
        var data = new float[images.Length * _reference.ItemLength];
        for (var i = 0; i < images.Length; i++)
        {
            _reference.Image(images[i]).CopyTo(data.AsSpan(i * _reference.ItemLength));
        }

        var request = new PredictRequest { Model = model, Id = "batch", EnsembleSize = k, ReturnMembers = true, RawData = ProtocolMapping.ToRawData(data) };
        request.Shape.Add(images.Length);
        request.Shape.Add(_reference.ItemShape);
        return request;
    }

    private static void Compare(List<string> mismatches, string what, ReadOnlySpan<float> expected, ItemResult item)
    {
        var worst = 0.0;
        for (var c = 0; c < expected.Length && c < item.Probabilities.Count; c++)
        {
            worst = Math.Max(worst, Math.Abs(expected[c] - item.Probabilities[c]));
        }

        if (item.Probabilities.Count != expected.Length || worst > Tolerance)
        {
            mismatches.Add($"{what}: max |difference| {worst:E2}");
        }
    }
}
