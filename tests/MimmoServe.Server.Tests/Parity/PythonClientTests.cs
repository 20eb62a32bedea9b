using System.Text.Json;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The README's three modes through Python grpcio (tests/interop/python/predict_client.py) against the real server:
/// Fashion-MNIST test image 0 is reference image 0, alone in its row in every mode, so each mode must answer the
/// reference's probs_same[0], with the ensemble size the mode names.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class PythonClientTests
{
    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public PythonClientTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Theory]
    [InlineData("accuracy")]
    [InlineData("throughput")]
    [InlineData("balanced")]
    public async Task PredictClient_Mode_AnswersTheReferenceWithTheModesEnsembleSize(string mode)
    {
        var model = _reference.Models.OrderByDescending(m => m.Slots).ThenBy(m => m.Name, StringComparer.Ordinal).First();
        var info = await _server.GetModelAsync(model.Name);
        var sizes = info.EnsembleSizes.ToArray();
        var expectedK = mode switch
        {
            "accuracy" => info.Slots,
            "throughput" => 1u,
            _ => sizes[(sizes.Length - 1) / 2],
        };

        var script = Path.Combine(Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!, "tests", "interop", "python", "predict_client.py");
        var result = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", _server.Target, "--model", model.Name, "--fashion-mnist", "0", "--mode", mode, "--json"],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var response = json.RootElement;
        Assert.Equal(expectedK, response.GetProperty("ensembleSize").GetUInt32());
        Assert.Equal(model.Slots, response.GetProperty("members").GetInt32());
        var probabilities = response.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        var expected = model.Same(0).ToArray();
        Assert.Equal(expected.Length, probabilities.Length);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], probabilities[c], 1e-4);
        }

        var uncertainty = response.GetProperty("uncertainty");
        Assert.True(uncertainty.GetProperty("predictiveEntropy").GetDouble() > 0);
        Assert.Equal("fashion-mnist-0", response.GetProperty("id").GetString());
    }

    [Fact]
    public async Task PredictClient_SeveralImages_OneBatchedCallAnsweringEachInOrderAsTheReference()
    {
        var model = _reference.Models.OrderByDescending(m => m.Slots).ThenBy(m => m.Name, StringComparer.Ordinal).First();
        string[] images = ["3", "0", "2", "1"];

        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var script = Path.Combine(root, "tests", "interop", "python", "predict_client.py");
        var result = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", _server.Target, "--model", model.Name, "--fashion-mnist", .. images, "--mode", "accuracy", "--json"],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var response = json.RootElement;
        Assert.Equal("fashion-mnist-3-0-2-1", response.GetProperty("id").GetString());
        var items = response.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(images.Length, items.Length);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal((uint)model.Slots, items[i].GetProperty("ensembleSize").GetUInt32());
            var probabilities = items[i].GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            var expected = model.Same(int.Parse(images[i], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected.Length, probabilities.Length);
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], probabilities[c], 1e-4);
            }
        }
    }
}
