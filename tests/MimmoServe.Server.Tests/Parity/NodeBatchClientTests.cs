using System.Text.Json;
using MimmoServe.Grpc.Tests.Infrastructure;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// Batched requests through grpc-js (tests/interop/node/batch_client.js) against the real server and a bundled model: a
/// batched Predict answers every item as the reference, and on a PredictStream a message with a bad item gets an error
/// response while the messages around it are answered and the stream ends OK.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class NodeBatchClientTests
{
    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public NodeBatchClientTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Fact]
    public async Task BatchClient_BatchedPredictAndStreamWithABadMessage_ReferenceAnswersAndAnErrorResponse()
    {
        var model = _reference.Models.OrderByDescending(m => m.Slots).ThenBy(m => m.Name, StringComparer.Ordinal).First();
        int[] images = [7, 1, 4, 0, 9];
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-batch-{Guid.NewGuid():N}.f32");
        try
        {
            var data = images.SelectMany(i => _reference.Image(i).ToArray()).ToArray();
            await File.WriteAllBytesAsync(file, Serving.Mapping.ProtocolMapping.ToRawData(data).ToByteArray());
            string[] arguments =
            [
                "--target", _server.Target, "--model", model.Name, "--shape", string.Join(",", _reference.ItemShape), "--items", file,
                "--k", model.Slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            if (model.FullExit is { } exit)
            {
                arguments = [.. arguments, "--exit", exit];
            }

            var result = await InteropClients.RunScriptAsync(InteropClients.Node, "batch_client", arguments);

            Assert.True(result.ExitCode == 0, result.ToString());
            using var json = JsonDocument.Parse(result.StandardOutput);
            var root = json.RootElement;
            AssertItems(model, images, root.GetProperty("unary"));
            Assert.Equal("OK", root.GetProperty("stream_status").GetString());
            var stream = root.GetProperty("stream").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.Clone());
            Assert.Equal(["bad", "batch", "single"], stream.Keys.Order(StringComparer.Ordinal));
            AssertItems(model, images, stream["batch"]);
            var error = stream["bad"].GetProperty("error");
            Assert.Equal(3, error.GetProperty("code").GetInt32());
            Assert.StartsWith("item 1: value NaN at index 2", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Empty(stream["bad"].GetProperty("items").EnumerateArray());
            var single = stream["single"];
            Assert.Equal(JsonValueKind.Null, single.GetProperty("error").ValueKind);
            AssertProbabilities(model.Same(images[0]).ToArray(), single.GetProperty("probabilities"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void AssertItems(ReferenceModel model, int[] images, JsonElement response)
    {
        Assert.Equal(model.Name, response.GetProperty("model").GetString());
        Assert.Empty(response.GetProperty("probabilities").EnumerateArray());
        var items = response.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(images.Length, items.Length);
        for (var i = 0; i < images.Length; i++)
        {
            AssertProbabilities(model.Same(images[i]).ToArray(), items[i].GetProperty("probabilities"));
        }
    }

    private static void AssertProbabilities(float[] expected, JsonElement probabilities)
    {
        var actual = probabilities.EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], actual[c], 1e-4);
        }
    }
}
