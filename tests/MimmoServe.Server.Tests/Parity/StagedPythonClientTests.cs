using System.Text.Json;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The x-mimmo-exit header through a foreign client, Python grpcio (tests/interop/python/predict_client.py), against
/// the real server: exit and compute_share arrive on the wire, and a header the model does not accept is
/// INVALID_ARGUMENT naming what it accepts. Fashion-MNIST test image 0 is reference image 0.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class StagedPythonClientTests
{
    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public StagedPythonClientTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    private ReferenceModel Staged => _reference.Models.FirstOrDefault(m => m.Staged is not null)
        ?? throw new InvalidOperationException("The reference has no staged model; models/fashion-jeidnn is expected.");

    [Fact]
    public async Task PredictClient_ExitAuto_TheReferenceExitAndItsComputeShare()
    {
        var model = Staged;
        var costs = (await _server.GetModelAsync(model.Name)).StageCosts.ToArray();

        var response = await PredictAsync(model.Name, "auto");

        var exit = model.Staged!.AutoExitsSame[0];
        Assert.Equal(exit, response.GetProperty("exit").GetInt32());
        Assert.Equal(costs.Take(exit + 1).Sum(), response.GetProperty("computeShare").GetDouble(), 1e-5);
        var expected = StagedReference.Probabilities(model.Staged.LogitsSame, model, 0, exit, [.. Enumerable.Range(0, model.Slots)]);
        var probabilities = response.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(expected, probabilities, (a, b) => Math.Abs(a - b) <= 1e-4);
        // The conformal set of that exit for k = M, when the model is calibrated (mimmo.conformal).
        var info = await _server.GetModelAsync(model.Name);
        if (info.Metadata.TryGetValue("mimmo.conformal", out var json))
        {
            using var conformal = JsonDocument.Parse(json);
            var q = conformal.RootElement.GetProperty("thresholds").GetProperty(model.Slots.ToString(System.Globalization.CultureInfo.InvariantCulture))[exit].GetDouble();
            var set = response.GetProperty("predictionSet").EnumerateArray().Select(c => c.GetInt32()).ToArray();
            Assert.Equal(Enumerable.Range(0, model.Classes).Where(c => 1 - probabilities[c] <= q), set);
            Assert.NotEmpty(set);
        }
    }

    [Fact]
    public async Task PredictClient_ExitFull_TheLastExitAndProbsSame()
    {
        var model = Staged;

        var response = await PredictAsync(model.Name, "full");

        Assert.Equal(model.Exits - 1, response.GetProperty("exit").GetInt32());
        Assert.Equal(1.0, response.GetProperty("computeShare").GetDouble(), 1e-6);
        var probabilities = response.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(model.Same(0).ToArray().Select(p => (double)p), probabilities, (a, b) => Math.Abs(a - b) <= 1e-4);
    }

    [Fact]
    public async Task PredictClient_ModelNotStaged_ExitZeroOfOneAndTheWholeCompute()
    {
        var model = _reference.Models.First(m => m.Staged is null && m.Exits > 1);

        var response = await PredictAsync(model.Name, "full");

        Assert.Equal(model.Exits - 1, response.GetProperty("exit").GetInt32());
        Assert.Equal(1.0, response.GetProperty("computeShare").GetDouble(), 1e-6);
    }

    [Theory]
    [InlineData("staged", "1.5", "is not auto, full or a confidence threshold t with 0 < t <= 1")]
    [InlineData("staged", "0", "is not auto, full or a confidence threshold")]
    [InlineData("staged", "gates", "is not auto, full or a confidence threshold")]
    [InlineData("plain", "auto", "the model is not staged (no early exit), so it accepts only full")]
    [InlineData("plain", "0.9", "accepts only full")]
    public async Task PredictClient_ExitTheModelDoesNotAccept_InvalidArgumentNamingWhatItAccepts(string which, string exit, string message)
    {
        var model = which == "staged" ? Staged : _reference.Models.First(m => m.Staged is null);

        var result = await RunAsync(model.Name, exit);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: INVALID_ARGUMENT: x-mimmo-exit", result.StandardError.Trim(), StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    private async Task<JsonElement> PredictAsync(string model, string exit)
    {
        var result = await RunAsync(model, exit);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }

    private Task<MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.Result> RunAsync(string model, string exit)
    {
        var script = Path.Combine(Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!, "tests", "interop", "python", "predict_client.py");
        return MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", _server.Target, "--model", model, "--fashion-mnist", "0", "--mode", "accuracy", "--exit", exit, "--json"],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
    }
}
